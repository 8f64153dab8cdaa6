import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn, waitForMessage } from '../../../test/identity.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

/** Emailed links: to the tenant's own front ends when it has them, else to the server's pages, which work. */
describe('links in emails', () => {
  let t: TestApp;
  let admin: SignedIn;
  const call = apiCaller(
    () => t.app,
    () => admin,
  );
  const form = (url: string, fields: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
  const linkIn = (body: string) => new URL(/https?:\/\/\S+/.exec(body)![0]);

  beforeAll(async () => {
    t = await createTestApp({ workers: true, env: { PUBLIC_URL: 'https://api.magaza.example' } });
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
  });
  afterAll(() => t?.close());

  it('point at the server’s own pages by default, which confirm an address', async () => {
    const email = 'yeni.musteri@ornek.com.tr';
    const registered = await call('POST', '/auth/register', {
      auth: null,
      payload: { email, password: PASSWORD, name: 'Yeni Müşteri' },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    const link = linkIn((await waitForMessage(t, 'identity.verify_email', email)).body);
    expect(link.origin + link.pathname).toBe('https://api.magaza.example/account/verify-email');
    expect(link.searchParams.get('tenant')).toBe('demo');

    // Opening the link only shows a form (a mail scanner opening it spends nothing).
    const shown = await t.app.inject({ method: 'GET', url: link.pathname + link.search });
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['content-type']).toContain('text/html');
    expect(shown.headers['content-security-policy']).toContain("default-src 'none'");
    expect(shown.body).toContain('method="post"');
    const [user] = await t.ownerQuery<{ email_verified_at: Date | null }>(
      'SELECT email_verified_at FROM users WHERE email = $1',
      [email],
    );
    expect(user?.email_verified_at).toBeNull();

    const fields = { token: link.searchParams.get('token')!, tenant: 'demo' };
    const confirmed = await form('/account/verify-email', fields);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const [after] = await t.ownerQuery<{ email_verified_at: Date | null }>(
      'SELECT email_verified_at FROM users WHERE email = $1',
      [email],
    );
    expect(after?.email_verified_at).not.toBeNull();
    const again = await form('/account/verify-email', fields);
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('invalid, used or expired');
  });

  it('let a person choose a new password on the server’s page, refusing a weak one there', async () => {
    const email = 'yeni.musteri@ornek.com.tr';
    expect((await call('POST', '/auth/forgot-password', { auth: null, payload: { email } })).statusCode).toBe(
      202,
    );
    const link = linkIn((await waitForMessage(t, 'identity.reset_password', email)).body);
    expect(link.pathname).toBe('/account/reset-password');
    const shown = await t.app.inject({ method: 'GET', url: link.pathname + link.search });
    expect(shown.body).toContain('type="password"');
    const token = link.searchParams.get('token')!;

    const weak = await form('/account/reset-password', { token, tenant: 'demo', password: 'password123' });
    expect(weak.statusCode).toBe(400);
    expect(weak.body).toContain('common');
    expect(weak.body).toContain('type="password"');
    const saved = await form('/account/reset-password', {
      token,
      tenant: 'demo',
      password: 'Yeni-Mavi-Kutu-2025',
    });
    expect(saved.statusCode, saved.body).toBe(200);
    await signIn(t.app, email, 'Yeni-Mavi-Kutu-2025');
  });

  it('escape what they show back, and refuse an unknown tenant plainly', async () => {
    const shown = await t.app.inject({
      method: 'GET',
      url: '/account/reset-password?token=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&tenant=demo',
    });
    expect(shown.body).not.toContain('<script>');
    expect(shown.body).toContain('&quot;&gt;&lt;script&gt;');
    const unknown = await form('/account/verify-email', { token: 'x'.repeat(40), tenant: 'yok-boyle' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.headers['content-type']).toContain('text/html');
  });

  it('point at the tenant’s storefront for customers and its admin panel for staff, once set', async () => {
    const set = await call('PATCH', '/tenant/settings', {
      payload: {
        links: {
          storefrontUrl: 'https://bayi.magaza.example/hesap',
          adminUrl: 'https://panel.magaza.example',
        },
      },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().links).toEqual({
      storefrontUrl: 'https://bayi.magaza.example/hesap',
      adminUrl: 'https://panel.magaza.example',
    });
    await call('POST', '/auth/forgot-password', {
      auth: null,
      payload: { email: 'yeni.musteri@ornek.com.tr' },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const invited = await call('POST', '/users', {
      payload: { email: 'davetli@ornek.com.tr', name: 'Davetli', roles: [] },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    const invitation = linkIn((await waitForMessage(t, 'identity.invitation', 'davetli@ornek.com.tr')).body);
    expect(invitation.origin + invitation.pathname).toBe('https://panel.magaza.example/reset-password');
    expect(invitation.searchParams.get('tenant')).toBeNull();
    for (let attempt = 0; attempt < 100; attempt++) {
      const reset = await waitForMessage(t, 'identity.reset_password', 'yeni.musteri@ornek.com.tr');
      const url = linkIn(reset.body);
      if (url.origin === 'https://bayi.magaza.example') {
        expect(url.pathname).toBe('/hesap/reset-password');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no reset link to the storefront');
  });

  it('lets only those who also manage users move where links point', async () => {
    await call('POST', '/roles', {
      payload: { key: 'ayarlar', name: 'Ayarlar', audience: 'staff', permissions: ['settings.manage'] },
    });
    await makeUser(t, { email: 'ayarci@ornek.com.tr', password: PASSWORD, roles: ['ayarlar'] });
    const settings = await signIn(t.app, 'ayarci@ornek.com.tr', PASSWORD);
    const moved = await call('PATCH', '/tenant/settings', {
      auth: settings,
      payload: { links: { adminUrl: 'https://kotu.example' } },
    });
    expectProblem(moved, 403, 'auth.forbidden');
    expect(moved.json()).toMatchObject({ permission: 'users.manage', field: 'links' });
    const after = (await call('GET', '/tenant/settings')).json();
    expect(after.links.adminUrl).toBe('https://panel.magaza.example');
    const other = await call('PATCH', '/tenant/settings', {
      auth: settings,
      payload: { catalog: { requireLogin: false } },
    });
    expect(other.statusCode, other.body).toBe(200);
  });

  it('refuses a front-end URL that is not a plain http(s) base', async () => {
    for (const storefrontUrl of ['javascript:alert(1)', 'https://x.example/?a=1', 'ftp://x.example']) {
      const response = await call('PATCH', '/tenant/settings', { payload: { links: { storefrontUrl } } });
      expect(response.statusCode, storefrontUrl).toBe(400);
    }
  });
});
