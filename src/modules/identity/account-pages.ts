import { parse } from 'node:querystring';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { withTx } from '../../db/tx.js';
import { AppError } from '../../kernel/errors.js';
import { tenantDirectoryOf } from '../tenancy/index.js';
import { resetPassword, verifyEmail } from './auth.service.js';
import { ACCOUNT_PAGES_PATH } from './emails.js';

/**
 * The server's own pages behind emailed links, for tenants without a front end of their own
 * (settings `links`): confirm an email address, choose a new password. Plain HTML forms that post
 * back here — no script, no cookie, nothing to forge: the form carries the emailed token itself. A
 * link only shows a form; the token is used when the person presses the button, so mail scanners
 * that open links do not spend it. Front ends of their own post the token to the API instead
 * (POST /api/v1/auth/verify-email, /api/v1/auth/reset-password, with X-Tenant).
 */
export const accountPages: FastifyPluginAsync<{ authPerMinute: number }> = async (app, options) => {
  // Forms arrive URL-encoded; only these routes take that type, and only a few fields.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4_096 },
    (_request, body, done) => done(null, parse(body as string)),
  );
  const config = {
    rateLimit: {
      max: options.authPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => `a:${request.ip}`,
    },
  };
  const hide = { hide: true };

  app.get(`${ACCOUNT_PAGES_PATH}/verify-email`, { config, schema: hide }, (request, reply) => {
    const { token, tenant } = linkOf(request.query);
    return page(reply, 200, 'E-posta adresinizi doğrulayın / Confirm your email address', [
      form('verify-email', token, tenant, '', 'Doğrula / Confirm'),
    ]);
  });

  app.post(`${ACCOUNT_PAGES_PATH}/verify-email`, { config, schema: hide }, async (request, reply) => {
    const { token, tenant } = linkOf(request.body);
    const done = await attempt(request, tenant, (tx) => verifyEmail(tx, token));
    return done === true
      ? page(reply, 200, 'Adresiniz doğrulandı / Your address is confirmed', [
          '<p>Artık giriş yapabilirsiniz. / You can sign in now.</p>',
        ])
      : page(reply, 400, 'Bağlantı geçersiz / The link does not work', [paragraph(done)]);
  });

  app.get(`${ACCOUNT_PAGES_PATH}/reset-password`, { config, schema: hide }, (request, reply) => {
    const { token, tenant } = linkOf(request.query);
    return page(reply, 200, 'Şifre belirleyin / Choose a password', [
      form('reset-password', token, tenant, PASSWORD_FIELD, 'Kaydet / Save'),
    ]);
  });

  app.post(`${ACCOUNT_PAGES_PATH}/reset-password`, { config, schema: hide }, async (request, reply) => {
    const { token, tenant } = linkOf(request.body);
    const password = field(request.body, 'password', 256);
    const done = await attempt(request, tenant, (tx) => resetPassword(tx, token, password));
    if (done === true) {
      return page(reply, 200, 'Şifreniz kaydedildi / Your password is saved', [
        '<p>Yeni şifrenizle giriş yapabilirsiniz. / Sign in with your new password.</p>',
      ]);
    }
    // A weak password can be tried again with the same link; a spent or unknown link cannot.
    const again = done.startsWith('The password')
      ? [form('reset-password', token, tenant, PASSWORD_FIELD, 'Kaydet / Save')]
      : [];
    return page(reply, 400, 'Şifre kaydedilemedi / The password was not saved', [paragraph(done), ...again]);
  });
};

const PASSWORD_FIELD =
  '<label>Yeni şifre / New password<br><input type="password" name="password" minlength="10" maxlength="256" required autocomplete="new-password"></label>' +
  '<p><small>En az 10 karakter; yaygın bir şifre ya da e-posta adresiniz olmasın. / At least 10 characters; not a common password, not your email address.</small></p>';

/** Runs the flow in the link's tenant; true, or the sentence that says why not. */
async function attempt(
  request: FastifyRequest,
  tenantSlug: string,
  work: Parameters<typeof withTx<void>>[1],
): Promise<true | string> {
  try {
    const tenant = await tenantDirectoryOf(request.ctx.runtime).resolve(tenantSlug);
    await withTx({ ...request.ctx, tenantId: tenant.id }, work);
    return true;
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return error.detail;
    throw error;
  }
}

function field(source: unknown, name: string, maxLength: number): string {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.length <= maxLength ? value : '';
}

function linkOf(source: unknown): { token: string; tenant: string } {
  return { token: field(source, 'token', 200), tenant: field(source, 'tenant', 63) };
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function paragraph(text: string): string {
  return `<p>${escapeHtml(text)}</p>`;
}

function form(action: string, token: string, tenant: string, fields: string, button: string): string {
  return (
    `<form method="post" action="${ACCOUNT_PAGES_PATH}/${action}">` +
    `<input type="hidden" name="token" value="${escapeHtml(token)}">` +
    `<input type="hidden" name="tenant" value="${escapeHtml(tenant)}">` +
    `${fields}<button type="submit">${escapeHtml(button)}</button></form>`
  );
}

function page(reply: FastifyReply, status: number, title: string, parts: string[]) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .send(
      `<!doctype html><html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>` +
        '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}input,button{font:inherit;padding:.4rem}button{margin-top:1rem}</style>' +
        `</head><body><h1>${escapeHtml(title)}</h1>${parts.join('')}</body></html>`,
    );
}
