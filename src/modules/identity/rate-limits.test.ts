import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { BOOTSTRAP_ADMIN, makeUser, signIn } from '../../../test/identity.js';

// Every limiter test runs in-process, and against Redis too when REDIS_URL is set.
const stores = [
  { name: 'in-process', env: {} as Record<string, string> },
  ...(process.env['REDIS_URL'] ? [{ name: 'redis', env: { REDIS_URL: process.env['REDIS_URL'] } }] : []),
];

// Random addresses and fresh users: a shared Redis may still hold counters from an earlier run.
const randomAddress = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 250)).join('.')}`;

const PASSWORD = 'Sayac-Deneme-Parola-42';
let counter = 0;

async function freshUser(t: TestApp) {
  counter += 1;
  const email = `sayac-${counter}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@carsi.test`;
  const user = await makeUser(t, { email, password: PASSWORD, roles: ['super_admin'] });
  return { id: user.id, email };
}

function expectLimited(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  expect(response.statusCode).toBe(429);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(response.json()).toMatchObject({ code: 'request.rate_limited', status: 429 });
}

describe.each(stores)('sign-in rate limit ($name store)', ({ env }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...env, RATE_LIMIT_AUTH_PER_MIN: '3' } });
  });
  afterAll(() => t?.close());

  const login = (remoteAddress: string, password = BOOTSTRAP_ADMIN.password) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress,
      payload: { email: BOOTSTRAP_ADMIN.email, password },
    });

  it('answers the 4th sign-in from one address within a minute with 429, even with the right password', async () => {
    const address = randomAddress();
    expect((await login(address)).statusCode).toBe(200);
    expect((await login(address, 'Yanlis-Parola-1234')).statusCode).toBe(401);
    expect((await login(address)).statusCode).toBe(200);

    const limited = await login(address);
    expectLimited(limited);
    expect(limited.body).not.toContain('accessToken');

    // Another address is counted on its own.
    const other = await login(randomAddress());
    expect(other.statusCode).toBe(200);
    expect(other.json()).toHaveProperty('accessToken');
  });

  it('limits the other sign-in steps per address too', async () => {
    const address = randomAddress();
    for (let i = 0; i < 3; i++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/forgot-password',
        remoteAddress: address,
        payload: { email: BOOTSTRAP_ADMIN.email },
      });
      expect(response.statusCode).toBe(202);
    }
    expectLimited(
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/forgot-password',
        remoteAddress: address,
        payload: { email: BOOTSTRAP_ADMIN.email },
      }),
    );
  });

  it('does not hold the general API back for an address whose sign-ins are limited', async () => {
    const address = randomAddress();
    for (let i = 0; i < 3; i++) await login(address);
    expectLimited(await login(address));
    const tenant = await t.app.inject({ method: 'GET', url: '/api/v1/tenant', remoteAddress: address });
    expect(tenant.statusCode).toBe(200);
  });
});

describe.each(stores)('per-user rate limit ($name store)', ({ env }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...env, RATE_LIMIT_USER_PER_MIN: '3' } });
  });
  afterAll(() => t?.close());

  const me = (auth: { authorization: string }, remoteAddress: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth, remoteAddress });

  it("limits a signed-in user's 4th request, on a counter of the user's own", async () => {
    const address = randomAddress();
    const first = await freshUser(t);
    const second = await freshUser(t);
    const firstSession = await signIn(t.app, first.email, PASSWORD, { headers: {} });
    const secondSession = await signIn(t.app, second.email, PASSWORD);

    for (let i = 0; i < 3; i++) expect((await me(firstSession.auth, address)).statusCode).toBe(200);
    expectLimited(await me(firstSession.auth, address));

    // An anonymous caller from the same address is counted per address, not on the user's counter.
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/tenant', remoteAddress: address });
    expect(anonymous.statusCode).toBe(200);

    // Another user from the same address has a counter of their own.
    const other = await me(secondSession.auth, address);
    expect(other.statusCode).toBe(200);
    expect(other.json()).toMatchObject({ id: second.id });
  });

  it('follows the user, not the address or the session', async () => {
    const user = await freshUser(t);
    const session = await signIn(t.app, user.email, PASSWORD);
    const anotherSession = await signIn(t.app, user.email, PASSWORD);
    for (let i = 0; i < 3; i++) expect((await me(session.auth, randomAddress())).statusCode).toBe(200);
    expectLimited(await me(session.auth, randomAddress()));
    expectLimited(await me(anotherSession.auth, randomAddress()));
  });

  it('permission-guarded routes count on the same counter', async () => {
    const user = await freshUser(t);
    const session = await signIn(t.app, user.email, PASSWORD);
    const address = randomAddress();
    expect((await me(session.auth, address)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/v1/users',
        headers: session.auth,
        remoteAddress: address,
      });
      expect(response.statusCode).toBe(200);
    }
    expectLimited(
      await t.app.inject({
        method: 'GET',
        url: '/api/v1/users',
        headers: session.auth,
        remoteAddress: address,
      }),
    );
  });
});

describe.each(stores)('per-API-key rate limit ($name store)', ({ env }) => {
  let t: TestApp;
  let admin: { authorization: string };
  beforeAll(async () => {
    t = await createTestApp({ env: { ...env, RATE_LIMIT_APIKEY_PER_MIN: '2' } });
    admin = (await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password)).auth;
  });
  afterAll(() => t?.close());

  async function newKey(): Promise<string> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: admin,
      payload: { name: `Sayaç ${++counter}`, scopes: ['users.view'] },
    });
    expect(response.statusCode).toBe(201);
    return (response.json() as { key: string }).key;
  }

  const withKey = (key: string, remoteAddress: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/users', headers: { 'x-api-key': key }, remoteAddress });

  it('limits each key on its own counter', async () => {
    const address = randomAddress();
    const first = await newKey();
    const second = await newKey();

    for (let i = 0; i < 2; i++) expect((await withKey(first, address)).statusCode).toBe(200);
    expectLimited(await withKey(first, address));
    // The counter follows the key wherever it is used from.
    expectLimited(await withKey(first, randomAddress()));

    expect((await withKey(second, address)).statusCode).toBe(200);
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/tenant', remoteAddress: address });
    expect(anonymous.statusCode).toBe(200);
    // Signed-in users are not held to the keys' limit.
    for (let i = 0; i < 3; i++) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/v1/users',
        headers: admin,
        remoteAddress: address,
      });
      expect(response.statusCode).toBe(200);
    }
  });
});

describe.each(stores)('requests with bad credentials ($name store)', ({ env }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...env, RATE_LIMIT_IP_PER_MIN: '3' } });
  });
  afterAll(() => t?.close());

  // Neither a user nor a key is known for them, so they count per address like any anonymous request:
  // otherwise guessing API keys or replaying stale tokens is never slowed down.
  it('are counted per address: the 4th invalid API key from one address is 429', async () => {
    const address = randomAddress();
    const guess = () =>
      t.app.inject({
        method: 'GET',
        url: '/api/v1/users',
        headers: { 'x-api-key': `ck_${randomUUID()}_${'x'.repeat(43)}` },
        remoteAddress: address,
      });
    for (let i = 0; i < 3; i++) expect((await guess()).statusCode).toBe(401);
    expectLimited(await guess());
  });

  it('are counted per address: the 4th invalid access token from one address is 429', async () => {
    const address = randomAddress();
    const stale = () =>
      t.app.inject({
        method: 'GET',
        url: '/api/v1/users',
        headers: { authorization: 'Bearer not.a.token' },
        remoteAddress: address,
      });
    for (let i = 0; i < 3; i++) expect((await stale()).statusCode).toBe(401);
    expectLimited(await stale());
  });
});

describe('per-tenant rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it("apply a tenant's own limit over the process default", async () => {
    const platform = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, { platform: true });
    const tenantId = await t.tenantId('demo');
    const set = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/platform/tenants/${tenantId}`,
      headers: platform.auth,
      payload: { settings: { rateLimits: { userPerMin: 2 } } },
    });
    expect(set.statusCode).toBe(200);
    const bad = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/platform/tenants/${tenantId}`,
      headers: platform.auth,
      payload: { settings: { rateLimits: { userPerMin: 0 } } },
    });
    expect(bad.statusCode).toBe(400);

    const user = await freshUser(t);
    const { auth } = await signIn(t.app, user.email, PASSWORD);
    const call = () =>
      t.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth, remoteAddress: randomAddress() });
    expect((await call()).statusCode).toBe(200);
    expect((await call()).statusCode).toBe(200);
    expectLimited(await call());
  });
});
