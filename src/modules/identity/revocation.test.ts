import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';
import { waitFor } from '../../../test/wait.js';
import { withTx } from '../../db/tx.js';
import { Broadcast } from '../../kernel/broadcast.js';
import { systemContext } from '../../kernel/context.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

/** Resolves once `condition` holds (polled every 100 ms); fails after `timeoutMs`. */
const until = (condition: () => Promise<boolean> | boolean, timeoutMs: number) =>
  waitFor(async () => (await condition()) || undefined, timeoutMs);

/**
 * What must stop an access token before it expires, in the process that made the change and in every
 * other one on the same database: two apps on one database are two API processes of one deployment.
 */
describe.each([
  ['PostgreSQL notifications', {}],
  ...(process.env['REDIS_URL']
    ? [['PostgreSQL and Redis', { REDIS_URL: process.env['REDIS_URL'] }] as const]
    : []),
] as [string, Record<string, string>][])('revocation across processes (%s)', (_label, env) => {
  let a: TestApp;
  let b: TestApp;
  let admin: SignedIn;
  const onA = apiCaller(
    () => a.app,
    () => admin,
  );
  const onB = apiCaller(
    () => b.app,
    () => admin,
  );
  let counter = 0;

  beforeAll(async () => {
    a = await createTestApp({ env });
    b = await createTestApp({ env, sharing: a });
    admin = await signIn(a.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  async function staff(roles: string[]): Promise<{ id: string; email: string; session: SignedIn }> {
    counter += 1;
    const email = `personel${counter}@ornek.com.tr`;
    const user = await makeUser(a, { email, password: PASSWORD, roles });
    return { id: user.id, email, session: await signIn(a.app, email, PASSWORD) };
  }

  /** The token works on both processes before the change… */
  async function expectWorks(session: SignedIn): Promise<void> {
    for (const call of [onA, onB]) expect((await call('GET', '/me', { auth: session })).statusCode).toBe(200);
  }

  /** …and after it: refused by the process that made it at once, and by the other as soon as it hears. */
  async function expectRefused(session: SignedIn, code = 'auth.session_ended'): Promise<void> {
    expectProblem(await onA('GET', '/me', { auth: session }), 401, code);
    expectProblem(await onA('PATCH', '/me', { auth: session, payload: { name: 'Hâlâ burada' } }), 401, code);
    await until(async () => (await onB('GET', '/me', { auth: session })).statusCode === 401, 2_000);
    expectProblem(await onB('PATCH', '/me', { auth: session, payload: { name: 'Hâlâ burada' } }), 401, code);
  }

  it('refuses a deactivated user’s token everywhere, and a reactivated user’s old one still', async () => {
    const user = await staff(['content_manager']);
    await expectWorks(user.session);
    expect((await onA('POST', `/users/${user.id}/deactivate`)).statusCode).toBe(200);
    await expectRefused(user.session);
    expect((await onA('POST', `/users/${user.id}/reactivate`)).statusCode).toBe(200);
    // Its sessions ended with the deactivation: the old token stays refused, a new sign-in works.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expectProblem(await onB('GET', '/me', { auth: user.session }), 401, 'auth.session_ended');
    await expectWorks(await signIn(b.app, user.email, PASSWORD));
  });

  it('refuses an erased user’s token everywhere', async () => {
    const user = await staff([]);
    await expectWorks(user.session);
    expect((await onA('POST', `/users/${user.id}/erase`)).statusCode).toBe(204);
    await expectRefused(user.session);
  });

  it('ends a session at logout, and every session at logout-all', async () => {
    const user = await staff([]);
    const second = await signIn(b.app, user.email, PASSWORD);
    expect((await onA('POST', '/auth/logout', { auth: user.session })).statusCode).toBe(204);
    await expectRefused(user.session);
    await expectWorks(second);
    expect((await onB('POST', '/auth/logout-all', { auth: second })).statusCode).toBe(200);
    // Made on B this time: B refuses at once, A as soon as it hears.
    expectProblem(await onB('GET', '/me', { auth: second }), 401, 'auth.session_ended');
    await until(async () => (await onA('GET', '/me', { auth: second })).statusCode === 401, 2_000);
  });

  it('ends the session whose refresh token was replayed', async () => {
    const user = await staff([]);
    const refreshed = await a.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: user.session.refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    const current = { ...user.session, auth: { authorization: `Bearer ${refreshed.json().accessToken}` } };
    await expectWorks(current);
    const replay = await a.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: user.session.refreshToken },
    });
    expect(replay.statusCode).toBe(401);
    await expectRefused(user.session);
    await expectRefused(current);
  });

  it('takes permissions away at once when a user loses a role or a role loses a permission', async () => {
    const user = await staff(['content_manager']);
    const create = (call: typeof onA, name: string) =>
      call('POST', '/categories', { auth: user.session, payload: { translations: { tr: { name } } } });
    expect((await create(onB, 'Önce')).statusCode).toBe(201);
    expect((await onA('PUT', `/users/${user.id}/roles`, { payload: { roles: [] } })).statusCode).toBe(200);
    expectProblem(await create(onA, 'Sonra A'), 403, 'auth.forbidden');
    await until(async () => (await create(onB, 'Sonra B')).statusCode === 403, 2_000);
    const me = (await onB('GET', '/me', { auth: user.session })).json();
    expect(me.roles).toEqual([]);
    expect(me.permissions).toEqual([]);

    // A role edited takes effect everywhere without waiting for caches to expire.
    const other = await staff(['content_manager']);
    expect(
      (
        await onB('POST', '/categories', {
          auth: other.session,
          payload: { translations: { tr: { name: 'X' } } },
        })
      ).statusCode,
    ).toBe(201);
    const roles = (await onA('GET', '/roles')).json().items as { id: string; key: string }[];
    const contentManager = roles.find((role) => role.key === 'content_manager')!;
    const edited = await onA('PATCH', `/roles/${contentManager.id}`, {
      payload: { permissions: ['products.view'] },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await until(
      async () =>
        (
          await onB('POST', '/categories', {
            auth: other.session,
            payload: { translations: { tr: { name: 'Y' } } },
          })
        ).statusCode === 403,
      2_000,
    );
  });

  it('stops an API key when its owner is deactivated or no longer holds its scopes', async () => {
    const made = await onA('POST', '/roles', {
      payload: {
        key: 'erp_link',
        name: 'ERP',
        audience: 'staff',
        permissions: ['products.view', 'apikeys.manage'],
      },
    });
    expect(made.statusCode, made.body).toBe(201);
    const owner = await staff(['erp_link']);
    const grantor = await staff(['super_admin']);
    const keyFor = async (session: SignedIn) => {
      const made = await onA('POST', '/api-keys', {
        auth: session,
        payload: { name: 'ERP', scopes: ['products.view'] },
      });
      expect(made.statusCode, made.body).toBe(201);
      return { 'x-api-key': made.json().key as string };
    };
    const withoutRole = await keyFor(owner.session);
    const withOwnerDeactivated = await keyFor(grantor.session);
    for (const headers of [withoutRole, withOwnerDeactivated]) {
      expect((await onB('GET', '/products?status=draft', { auth: null, headers })).statusCode).toBe(200);
    }
    await onA('PUT', `/users/${owner.id}/roles`, { payload: { roles: [] } });
    expectProblem(
      await onB('GET', '/products', { auth: null, headers: withoutRole }),
      401,
      'auth.api_key_owner_lacks_scopes',
    );
    await onA('POST', `/users/${grantor.id}/deactivate`);
    expectProblem(
      await onB('GET', '/products', { auth: null, headers: withOwnerDeactivated }),
      401,
      'auth.api_key_owner_inactive',
    );
  });

  it('knows, when a process starts, what was revoked before it did', async () => {
    const user = await staff([]);
    expect((await onA('POST', '/auth/logout', { auth: user.session })).statusCode).toBe(204);
    const c = await createTestApp({ env, sharing: a });
    try {
      expectProblem(
        await c.app.inject({ method: 'GET', url: '/api/v1/me', headers: user.session.auth }),
        401,
        'auth.session_ended',
      );
    } finally {
      await c.close();
    }
  });
});

describe('access tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('refuses a token whose issue time is in the future beyond the clock skew', async () => {
    const session = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    const header = JSON.parse(Buffer.from(session.accessToken.split('.')[0]!, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString());
    const sign = (iat: number) =>
      createSigner({ key: t.runtime.config.jwtSecret, kid: header.kid })({ ...claims, iat, exp: iat + 900 });
    const now = Math.floor(Date.now() / 1000);
    const ahead = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${sign(now + 3_600)}` },
    });
    expectProblem(ahead, 401, 'auth.invalid_token');
    const slightlyAhead = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${sign(now + 5)}` },
    });
    expect(slightlyAhead.statusCode).toBe(200);
  });
});

describe.runIf(process.env['REDIS_URL'])('broadcast through Redis alone', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { REDIS_URL: process.env['REDIS_URL']! } });
  });
  afterAll(() => t?.close());

  it('reaches a process that hears no PostgreSQL notification', async () => {
    const sender = new Broadcast(t.runtime);
    const receiver = new Broadcast(t.runtime, { listenOnPostgres: false });
    const heard: unknown[] = [];
    receiver.subscribe('test.topic', (payload) => heard.push(payload));
    await sender.start();
    await receiver.start();
    try {
      await withTx(systemContext(t.runtime, null), (tx) => sender.publish(tx, 'test.topic', { n: 1 }));
      await until(() => heard.length === 1, 2_000);
      expect(heard).toEqual([{ n: 1 }]);
    } finally {
      await sender.stop();
      await receiver.stop();
    }
  });
});
