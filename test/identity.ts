import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { withTx } from '../src/db/tx.js';
import { systemContext } from '../src/kernel/context.js';
import { createUser } from '../src/modules/identity/index.js';
import { deliverableContent } from '../src/modules/notifications/index.js';
import type { TestApp } from './app.js';

/** The administrator every test app starts with (see test/app.ts). */
export const BOOTSTRAP_ADMIN = { email: 'admin@carsi.test', password: 'Bootstrap-Pass-2024!' };

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  auth: { authorization: string };
}

/** Signs in through the API and returns the tokens and a ready Authorization header. */
export async function signIn(
  app: FastifyInstance,
  email: string,
  password: string,
  options: { tenant?: string; platform?: boolean; headers?: Record<string, string> } = {},
): Promise<SignedIn> {
  const response = await app.inject({
    method: 'POST',
    url: options.platform ? '/api/v1/platform/auth/login' : '/api/v1/auth/login',
    headers: { ...(options.tenant ? { 'x-tenant': options.tenant } : {}), ...options.headers },
    payload: { email, password },
  });
  if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
  const body = response.json() as { accessToken: string; refreshToken: string; sessionId: string };
  return { ...body, auth: { authorization: `Bearer ${body.accessToken}` } };
}

/** Creates a user directly (staff by default) in a tenant, bypassing the API. */
export async function makeUser(
  t: TestApp,
  user: { email: string; password: string; name?: string; roles?: string[]; kind?: 'staff' | 'customer' },
  tenantSlug = 'demo',
) {
  const tenantId = await t.tenantId(tenantSlug);
  return withTx(systemContext(t.runtime, tenantId), (tx) =>
    createUser(tx, {
      kind: user.kind ?? 'staff',
      email: user.email,
      name: user.name ?? 'Test User',
      password: user.password,
      roles: user.roles ?? [],
      emailVerified: true,
    }),
  );
}

/**
 * The newest outbound message of a template to a recipient as it is delivered (its secrets unsealed),
 * read as the owner: what the recipient's mailbox would hold.
 */
export async function lastMessage(t: TestApp, template: string, recipient: string) {
  const rows = await t.ownerQuery<{
    data: { token?: string };
    subject: string;
    body: string;
    status: string;
    sealed: string | null;
  }>(
    'SELECT data, subject, body, status, sealed FROM outbound_messages WHERE template = $1 AND recipient = $2 ORDER BY id DESC LIMIT 1',
    [template, recipient],
  );
  const row = rows[0];
  if (!row) return undefined;
  const content = deliverableContent(t.runtime.config, row);
  if (!content) throw new Error('the message cannot be unsealed with this configuration');
  return { ...row, body: content.body, data: content.data as { token?: string } };
}

/** The newest such message once a job has written it (sign-up and reset emails are sent by jobs). */
export async function waitForMessage(t: TestApp, template: string, recipient: string) {
  for (const until = Date.now() + 20_000; Date.now() < until; ) {
    const message = await lastMessage(t, template, recipient);
    if (message) return message;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${template} message to ${recipient}`);
}

/** Waits until `count` jobs of `queue` have finished (completed or failed for good). */
export async function waitForJobs(t: TestApp, queue: string, count: number): Promise<void> {
  for (const until = Date.now() + 20_000; Date.now() < until; ) {
    const [row] = await t.ownerQuery<{ n: number }>(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state IN ('completed', 'failed')",
      [queue],
    );
    if ((row?.n ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} ${queue} jobs finished`);
}

/** The code an authenticator app shows for `secret` now (or `offsetSteps` periods away). */
export function totpCode(secret: string, offsetSteps = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + offsetSteps * 30_000 });
}
