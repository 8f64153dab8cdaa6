import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';

// Found by the fuzz test: with platform credentials a request has no tenant, and these flows failed as 500.
describe('tenant flows called with platform credentials', () => {
  let t: TestApp;
  let platform: SignedIn;
  beforeAll(async () => {
    t = await createTestApp();
    platform = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, { platform: true });
  });
  afterAll(() => t?.close());

  it.each([
    ['/auth/register', { email: 'yeni@ornek.com.tr', password: 'Kestane-Şekeri-2024!', name: 'Yeni' }],
    ['/auth/forgot-password', { email: 'yeni@ornek.com.tr' }],
    ['/auth/resend-verification', { email: 'yeni@ornek.com.tr' }],
  ])('%s answers 400 tenant.required and records nothing', async (url, payload) => {
    const before = await t.ownerQuery<{ n: string }>('SELECT count(*) AS n FROM pgboss.job');
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1${url}`,
      headers: platform.auth,
      payload,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ code: 'tenant.required' });
    const after = await t.ownerQuery<{ n: string }>('SELECT count(*) AS n FROM pgboss.job');
    expect(after[0]?.n).toBe(before[0]?.n);
    expect(await t.ownerQuery("SELECT 1 FROM users WHERE email = 'yeni@ornek.com.tr'")).toEqual([]);
  });
});
