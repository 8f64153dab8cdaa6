import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';

describe('tenant settings managed by the tenant (/api/v1/tenant/settings)', () => {
  let t: TestApp;
  let admin: SignedIn;
  let clerk: SignedIn;
  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await makeUser(t, {
      email: 'musteri.hizmetleri@carsi.test',
      password: 'Destek-Masasi-2024',
      roles: ['customer_service'],
    });
    clerk = await signIn(t.app, 'musteri.hizmetleri@carsi.test', 'Destek-Masasi-2024');
  });
  afterAll(() => t?.close());

  it('shows the defaults to an administrator', async () => {
    const response = await call('GET', '/tenant/settings');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      defaultCurrency: 'TRY',
      locale: 'tr-TR',
      auth: {},
      catalog: {},
      links: {},
      rateLimits: {},
    });
  });

  it('merges a change, audits it, and the catalog rule takes effect at once', async () => {
    const response = await call('PATCH', '/tenant/settings', {
      payload: { catalog: { requireLogin: true }, auth: { requireApproval: true } },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      catalog: { requireLogin: true },
      auth: { requireApproval: true },
      locale: 'tr-TR',
    });
    const audited = await t.ownerQuery<{ action: string }>(
      "SELECT action FROM audit_logs WHERE action = 'tenant.updated' AND actor_type = 'user'",
    );
    expect(audited).toHaveLength(1);

    const again = await call('PATCH', '/tenant/settings', { payload: { auth: { requireStaffMfa: false } } });
    expect(again.json().auth).toEqual({ requireApproval: true, requireStaffMfa: false });
  });

  it('refuses request limits (the platform sets those), unknown keys and an empty change', async () => {
    for (const payload of [{ rateLimits: { userPerMin: 5 } }, { catalog: { hidePrices: true } }, {}]) {
      const response = await call('PATCH', '/tenant/settings', { payload });
      expectProblem(response, 400, 'request.validation_failed');
    }
    const settings = await call('GET', '/tenant/settings');
    expect(settings.json().rateLimits).toEqual({});
  });

  it('needs settings.manage', async () => {
    expectProblem(await call('GET', '/tenant/settings', { auth: clerk }), 403, 'auth.forbidden');
    expectProblem(
      await call('PATCH', '/tenant/settings', { auth: clerk, payload: { locale: 'en-GB' } }),
      403,
      'auth.forbidden',
    );
    expectProblem(await call('GET', '/tenant/settings', { auth: null }), 401, 'auth.unauthenticated');
  });
});
