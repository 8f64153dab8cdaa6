import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { holdCommitsOf as holdCommits } from '../../../test/commit-hold.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, lastMessage, makeUser, type SignedIn, signIn } from '../../../test/identity.js';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import { createUser } from './users.service.js';

const PASSWORD = 'Boğaziçi-Köprüsü-1973';

interface TenantBody {
  id: string;
  owner: { id: string; email: string; name: string; invited: boolean };
  slug: string;
  name: string;
  status: string;
  plan: string;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe('platform administration', () => {
  let t: TestApp;
  let platform: SignedIn;
  let staff: SignedIn;

  const call = apiCaller(
    () => t.app,
    () => platform,
  );

  /** Creates a tenant through the API; its owner is `sahip@<slug>.test` with PASSWORD unless given. */
  async function createTenant(body: Record<string, unknown>): Promise<TenantBody> {
    const owner = { email: `sahip@${body['slug']}.test`, password: PASSWORD };
    const response = await call('POST', '/platform/tenants', { payload: { owner, ...body } });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as TenantBody;
  }

  async function tenantCount(): Promise<number> {
    const [row] = await t.ownerQuery<{ n: string }>('SELECT count(*) AS n FROM tenants');
    return Number(row!.n);
  }

  /** Users, roles, messages and audit rows: what a refused tenant creation must not have left. */
  async function leftovers(slug: string, ownerEmail: string) {
    const [row] = await t.ownerQuery<{ tenants: number; users: number; messages: number; audits: number }>(
      `SELECT (SELECT count(*)::int FROM tenants WHERE slug = $1) AS tenants,
              (SELECT count(*)::int FROM users WHERE email_key = lower($2)) AS users,
              (SELECT count(*)::int FROM outbound_messages WHERE recipient = $2) AS messages,
              (SELECT count(*)::int FROM audit_logs
                WHERE (action = 'tenant.created' AND after->>'slug' = $1)
                   OR (action = 'user.created' AND after->>'email' = $2)) AS audits`,
      [slug, ownerEmail],
    );
    return row;
  }

  /**
   * Makes every transaction updating `table` wait at COMMIT until `release()`: a deferred trigger
   * takes an advisory lock this helper holds. For observing what other requests see mid-change.
   */
  const holdCommitsOf = (table: string) => holdCommits(t.database.ownerUrl, table);

  beforeAll(async () => {
    t = await createTestApp();
    platform = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, { platform: true });
    staff = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
  });
  afterAll(() => t?.close());

  describe('signing in', () => {
    it('signs the platform administrator in, as a user of kind platform with no tenant', async () => {
      const response = await call('GET', '/me');
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        kind: 'platform',
        tenantId: null,
        email: BOOTSTRAP_ADMIN.email,
      });

      // The same email signed in at the tenant login is the separate demo staff account.
      const tenantMe = (await call('GET', '/me', { auth: staff })).json() as {
        kind: string;
        tenantId: string;
      };
      expect(tenantMe.kind).toBe('staff');
      expect(tenantMe.tenantId).toBe(await t.tenantId('demo'));
    });

    it('refuses a tenant user at the platform login', async () => {
      await makeUser(t, { email: 'sadece-demo@ornek.com.tr', password: PASSWORD, roles: ['super_admin'] });
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/platform/auth/login',
        payload: { email: 'sadece-demo@ornek.com.tr', password: PASSWORD },
      });
      expectProblem(response, 401, 'auth.invalid_credentials');
      // Not even when naming the tenant.
      const named = await t.app.inject({
        method: 'POST',
        url: '/api/v1/platform/auth/login',
        headers: { 'x-tenant': 'demo' },
        payload: { email: 'sadece-demo@ornek.com.tr', password: PASSWORD },
      });
      expectProblem(named, 401, 'auth.invalid_credentials');
      // The same person signs in at the tenant login.
      await signIn(t.app, 'sadece-demo@ornek.com.tr', PASSWORD);
    });

    it('refuses a platform administrator at the tenant login when the tenant has no such user', async () => {
      await withTx(systemContext(t.runtime, null), (tx) =>
        createUser(tx, {
          kind: 'platform',
          email: 'operator@carsi.test',
          name: 'Platform Operatörü',
          password: PASSWORD,
          emailVerified: true,
        }),
      );
      const operator = await signIn(t.app, 'operator@carsi.test', PASSWORD, { platform: true });
      expect(((await call('GET', '/me', { auth: operator })).json() as { kind: string }).kind).toBe(
        'platform',
      );
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'operator@carsi.test', password: PASSWORD },
      });
      expectProblem(response, 401, 'auth.invalid_credentials');
    });

    it('offers no sign-up or password reset on the platform', async () => {
      const register = await t.app.inject({
        method: 'POST',
        url: '/api/v1/platform/auth/register',
        payload: { email: 'kayit@carsi.test', password: PASSWORD, name: 'Kayıt' },
      });
      expect(register.statusCode).toBe(404);
      const [row] = await t.ownerQuery<{ n: string }>(
        "SELECT count(*) AS n FROM users WHERE email_key = 'kayit@carsi.test'",
      );
      expect(Number(row!.n)).toBe(0);
    });
  });

  describe('guarding the platform routes', () => {
    it('answers anonymous callers with 401', async () => {
      expectProblem(await call('GET', '/platform/tenants', { auth: null }), 401, 'auth.unauthenticated');
      expectProblem(
        await call('POST', '/platform/tenants', {
          auth: null,
          payload: {
            slug: 'anonim',
            name: 'Anonim',
            owner: { email: 'sahip@anonim.test', password: PASSWORD },
          },
        }),
        401,
        'auth.unauthenticated',
      );
    });

    it('refuses a tenant super_admin with 403', async () => {
      const before = await tenantCount();
      expectProblem(await call('GET', '/platform/tenants', { auth: staff }), 403, 'auth.forbidden');
      expectProblem(
        await call('POST', '/platform/tenants', {
          auth: staff,
          payload: { slug: 'gasp', name: 'Gasp', owner: { email: 'sahip@gasp.test', password: PASSWORD } },
        }),
        403,
        'auth.forbidden',
      );
      expect(await leftovers('gasp', 'sahip@gasp.test')).toEqual({
        tenants: 0,
        users: 0,
        messages: 0,
        audits: 0,
      });
      const demoId = await t.tenantId('demo');
      expectProblem(
        await call('PATCH', `/platform/tenants/${demoId}`, { auth: staff, payload: { status: 'suspended' } }),
        403,
        'auth.forbidden',
      );
      expectProblem(await call('GET', `/platform/tenants/${demoId}`, { auth: staff }), 403, 'auth.forbidden');
      expect(await tenantCount()).toBe(before);
      const [demo] = await t.ownerQuery<{ status: string }>("SELECT status FROM tenants WHERE slug = 'demo'");
      expect(demo!.status).toBe('active');
    });

    it('refuses a customer user with 403', async () => {
      await makeUser(t, {
        email: 'bayi@ornek.com.tr',
        password: PASSWORD,
        kind: 'customer',
        roles: ['dealer_owner'],
      });
      const customer = await signIn(t.app, 'bayi@ornek.com.tr', PASSWORD);
      expectProblem(await call('GET', '/platform/tenants', { auth: customer }), 403, 'auth.forbidden');
      expectProblem(
        await call('POST', '/platform/tenants', {
          auth: customer,
          payload: { slug: 'bayinin', name: 'Bayinin', owner: { email: 'sahip@bayinin.test' } },
        }),
        403,
        'auth.forbidden',
      );
      expect(await leftovers('bayinin', 'sahip@bayinin.test')).toEqual({
        tenants: 0,
        users: 0,
        messages: 0,
        audits: 0,
      });
    });

    it('gives the platform administrator no tenant permissions', async () => {
      expectProblem(await call('GET', '/users'), 403, 'auth.forbidden');
      expectProblem(await call('GET', '/roles'), 403, 'auth.forbidden');
    });
  });

  describe('tenants', () => {
    it('creates a tenant with its settings, its owner and its copies of the 9 built-in roles', async () => {
      const tenant = await createTenant({
        slug: 'izmir-bayi',
        name: 'İzmir Bayi Ltd. Şti.',
        settings: { defaultCurrency: 'EUR', locale: 'en-GB', auth: { requireApproval: true } },
        owner: { email: 'yonetici@izmir.com.tr', password: PASSWORD, name: 'İzmir Yöneticisi' },
      });
      expect(tenant).toMatchObject({
        slug: 'izmir-bayi',
        name: 'İzmir Bayi Ltd. Şti.',
        status: 'active',
        plan: 'standard',
        settings: { defaultCurrency: 'EUR', locale: 'en-GB', auth: { requireApproval: true } },
        owner: { email: 'yonetici@izmir.com.tr', name: 'İzmir Yöneticisi', invited: false },
      });
      const roles = await t.ownerQuery<{ key: string; built_in: boolean }>(
        'SELECT key, built_in FROM roles WHERE tenant_id = $1 ORDER BY key',
        [tenant.id],
      );
      expect(roles).toHaveLength(9);
      expect(roles.every((r) => r.built_in)).toBe(true);
      expect(roles.map((r) => r.key)).toEqual(
        [
          'content_manager',
          'customer_service',
          'dealer_owner',
          'finance',
          'finance_manager',
          'purchasing',
          'sales_manager',
          'super_admin',
          'viewer',
        ].sort(),
      );

      const profile = await t.app.inject({
        method: 'GET',
        url: '/api/v1/tenant',
        headers: { 'x-tenant': 'izmir-bayi' },
      });
      expect(profile.json()).toEqual({
        slug: 'izmir-bayi',
        name: 'İzmir Bayi Ltd. Şti.',
        defaultCurrency: 'EUR',
        locale: 'en-GB',
      });
      const fetched = await call('GET', `/platform/tenants/${tenant.id}`);
      expect(fetched.statusCode).toBe(200);
      expect(fetched.json()).toMatchObject({ id: tenant.id, slug: 'izmir-bayi' });

      // Audited by the platform administrator: the tenant and its owner on the platform's log, the
      // user in the tenant's own.
      const platformId = ((await call('GET', '/me')).json() as { id: string }).id;
      const audits = await t.ownerQuery<{ action: string; actor_id: string; tenant_id: string | null }>(
        `SELECT action, actor_id, tenant_id FROM audit_logs
          WHERE (entity_id = $1 AND action IN ('tenant.created', 'tenant.owner_created')) OR (entity_id = $2)
          ORDER BY id`,
        [tenant.id, tenant.owner.id],
      );
      expect(audits).toEqual([
        { action: 'tenant.created', actor_id: platformId, tenant_id: null },
        { action: 'user.created', actor_id: platformId, tenant_id: tenant.id },
        { action: 'tenant.owner_created', actor_id: platformId, tenant_id: null },
      ]);
    });

    it('lets the owner of the new tenant sign in at once, as its super_admin', async () => {
      const session = await signIn(t.app, 'yonetici@izmir.com.tr', PASSWORD, { tenant: 'izmir-bayi' });
      const me = (await call('GET', '/me', { auth: session })).json() as {
        kind: string;
        roles: string[];
        permissions: string[];
        tenantId: string;
      };
      expect(me.tenantId).toBe(await t.tenantId('izmir-bayi'));
      expect(me).toMatchObject({ kind: 'staff', roles: ['super_admin'] });
      expect(me.permissions).toContain('users.manage');
      // That user does not exist in demo.
      const elsewhere = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'yonetici@izmir.com.tr', password: PASSWORD },
      });
      expectProblem(elsewhere, 401, 'auth.invalid_credentials');
    });

    it('refuses a duplicate slug with 409 tenant.slug_taken, creating no owner either', async () => {
      const before = await tenantCount();
      for (const slug of ['izmir-bayi', 'demo']) {
        const owner = { email: 'ikinci-sahip@ornek.com.tr', password: PASSWORD };
        expectProblem(
          await call('POST', '/platform/tenants', { payload: { slug, name: 'Başka', owner } }),
          409,
          'tenant.slug_taken',
        );
        // Without a password the invitation would have been queued: nothing is.
        expectProblem(
          await call('POST', '/platform/tenants', {
            payload: { slug, name: 'Başka', owner: { email: owner.email } },
          }),
          409,
          'tenant.slug_taken',
        );
      }
      expect(await tenantCount()).toBe(before);
      const [left] = await t.ownerQuery<{ users: number; messages: number }>(
        `SELECT (SELECT count(*)::int FROM users WHERE email_key = 'ikinci-sahip@ornek.com.tr') AS users,
                (SELECT count(*)::int FROM outbound_messages WHERE recipient = 'ikinci-sahip@ornek.com.tr') AS messages`,
      );
      expect(left).toEqual({ users: 0, messages: 0 });
    });

    it('invites an owner given no password: the emailed link sets it, then they sign in', async () => {
      const email = 'davetli@manisa.com.tr';
      const tenant = await createTenant({ slug: 'manisa-bayi', name: 'Manisa Bayi', owner: { email } });
      expect(tenant.owner).toMatchObject({ email, name: 'davetli', invited: true });
      // Queued in the new tenant's outbox, for its owner.
      const [queued] = await t.ownerQuery<{ tenant_id: string }>(
        "SELECT tenant_id FROM outbound_messages WHERE template = 'identity.invitation' AND recipient = $1",
        [email],
      );
      expect(queued).toEqual({ tenant_id: tenant.id });
      const message = await lastMessage(t, 'identity.invitation', email);
      const token = message!.data.token!;
      expect(token).toBeTruthy();
      // No password yet: nobody signs in as the owner until the link is used.
      expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          headers: { 'x-tenant': 'manisa-bayi' },
          payload: { email, password: PASSWORD },
        }),
        401,
        'auth.invalid_credentials',
      );
      const reset = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/reset-password',
        headers: { 'x-tenant': 'manisa-bayi' },
        payload: { token, password: PASSWORD },
      });
      expect(reset.statusCode, reset.body).toBe(204);
      const session = await signIn(t.app, email, PASSWORD, { tenant: 'manisa-bayi' });
      const me = (await call('GET', '/me', { auth: session })).json() as { roles: string[] };
      expect(me.roles).toEqual(['super_admin']);
    });

    it('refuses a weak owner password or a bad owner with 400, creating nothing', async () => {
      const before = await tenantCount();
      const cases: [Record<string, unknown>, string][] = [
        [{ email: 'sahip@zayif.com.tr', password: 'qwertyuiop' }, 'auth.weak_password'],
        [{ email: 'sahip@zayif.com.tr', password: 'Sahip-Parolasi-2024' }, 'auth.weak_password'],
        [{ email: 'sahip@zayif.com.tr', password: 'kisa' }, 'request.validation_failed'],
        [{ email: 'sahip@zayif.com.tr', password: 'x'.repeat(257) }, 'request.validation_failed'],
        [{ email: 'bir e-posta degil', password: PASSWORD }, 'request.validation_failed'],
        [{ email: 'sahip@zayif.com.tr', name: '', password: PASSWORD }, 'request.validation_failed'],
        [
          { email: 'sahip@zayif.com.tr', password: PASSWORD, roles: ['super_admin'] },
          'request.validation_failed',
        ],
        [{ password: PASSWORD }, 'request.validation_failed'],
      ];
      for (const [owner, code] of cases) {
        const response = await call('POST', '/platform/tenants', {
          payload: { slug: 'zayif', name: 'Zayıf', owner },
        });
        expectProblem(response, 400, code);
      }
      expect(await tenantCount()).toBe(before);
      expect(await leftovers('zayif', 'sahip@zayif.com.tr')).toEqual({
        tenants: 0,
        users: 0,
        messages: 0,
        audits: 0,
      });
    });

    it('refuses bad slugs and bodies with 400', async () => {
      const before = await tenantCount();
      const owner = { email: 'sahip@gecersiz.test', password: PASSWORD };
      for (const payload of [
        { slug: 'Buyuk', name: 'Büyük Harf' },
        { slug: 'iki kelime', name: 'Boşluklu' },
        { slug: '-tire', name: 'Tireyle Başlayan' },
        { slug: 'tire-', name: 'Tireyle Biten' },
        { slug: 'şehir', name: 'Türkçe Harf' },
        { slug: "x'; DROP TABLE tenants;--", name: 'SQL' },
        { slug: 'a'.repeat(65), name: 'Uzun' },
        { slug: '', name: 'Boş' },
        { slug: 'ad-yok' },
        { slug: 'ad-bos', name: '' },
        { slug: 'uzun-ad', name: 'x'.repeat(10_240) },
        { slug: 'fazla', name: 'Fazla', owner: 'me' },
        { slug: 'sahipsiz', name: 'Sahipsiz' },
        { slug: 'para', name: 'Para', settings: { defaultCurrency: 'lira' } },
        { slug: 'ayar', name: 'Ayar', settings: { theme: 'dark' } },
      ]) {
        // A valid owner beside each bad field, so the field is what is refused ("sahipsiz" has none).
        const body = 'owner' in payload || payload.slug === 'sahipsiz' ? payload : { ...payload, owner };
        const response = await call('POST', '/platform/tenants', { payload: body });
        expect(response.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
        expect(response.json()).toMatchObject({ status: 400 });
      }
      expect(await tenantCount()).toBe(before);
    });

    it('lists tenants newest first, page by page', async () => {
      for (const slug of ['sayfa-1', 'sayfa-2', 'sayfa-3', 'sayfa-4'])
        await createTenant({ slug, name: slug });
      const all = await t.ownerQuery<{ slug: string }>('SELECT slug FROM tenants ORDER BY id DESC');
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const response = await call('GET', `/platform/tenants?${query}`);
        expect(response.statusCode, response.body).toBe(200);
        const page = response.json() as Page<TenantBody>;
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((tenant) => tenant.slug));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      expect(seen).toEqual(all.map((r) => r.slug));
      expect(seen.slice(0, 4)).toEqual(['sayfa-4', 'sayfa-3', 'sayfa-2', 'sayfa-1']);
      expect(pages).toBe(Math.ceil(all.length / 2));

      expect((await call('GET', '/platform/tenants?limit=0')).statusCode).toBe(400);
      expectProblem(await call('GET', '/platform/tenants?cursor=eHl6'), 400, 'request.invalid_cursor');
      expectProblem(
        await call('GET', '/platform/tenants/0190f5a2-0000-7000-8000-000000000000'),
        404,
        'tenant.not_found',
      );
    });

    it('renames a tenant and merges its settings', async () => {
      const id = await t.tenantId('izmir-bayi');
      const response = await call('PATCH', `/platform/tenants/${id}`, {
        payload: { name: 'İzmir Bayi A.Ş.', plan: 'kurumsal', settings: { locale: 'tr-TR' } },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        name: 'İzmir Bayi A.Ş.',
        plan: 'kurumsal',
        settings: { defaultCurrency: 'EUR', locale: 'tr-TR', auth: { requireApproval: true } },
      });
      expect((await call('PATCH', `/platform/tenants/${id}`, { payload: {} })).statusCode).toBe(400);
      expect((await call('PATCH', `/platform/tenants/${id}`, { payload: { slug: 'yeni' } })).statusCode).toBe(
        400,
      );
      expect(
        (await call('PATCH', `/platform/tenants/${id}`, { payload: { status: 'deleted' } })).statusCode,
      ).toBe(400);
      expectProblem(
        await call('PATCH', '/platform/tenants/0190f5a2-0000-7000-8000-000000000000', {
          payload: { name: 'Yok' },
        }),
        404,
        'tenant.not_found',
      );
    });

    it('suspends a tenant at once, and reactivates it', async () => {
      const tenant = await createTenant({ slug: 'askiya-alinan', name: 'Askıya Alınan' });
      await makeUser(
        t,
        { email: 'calisan@askiya.com.tr', password: PASSWORD, roles: ['super_admin'] },
        'askiya-alinan',
      );
      const member = await signIn(t.app, 'calisan@askiya.com.tr', PASSWORD, { tenant: 'askiya-alinan' });
      const profile = () =>
        t.app.inject({ method: 'GET', url: '/api/v1/tenant', headers: { 'x-tenant': 'askiya-alinan' } });
      // Warm the process's caches, so the suspension has to invalidate them.
      expect((await profile()).statusCode).toBe(200);
      expect((await call('GET', '/users', { auth: member })).statusCode).toBe(200);

      const suspended = await call('PATCH', `/platform/tenants/${tenant.id}`, {
        payload: { status: 'suspended' },
      });
      expect(suspended.statusCode, suspended.body).toBe(200);
      expect(suspended.json()).toMatchObject({ status: 'suspended' });

      expectProblem(await profile(), 403, 'tenant.suspended');
      expectProblem(await call('GET', '/users', { auth: member }), 403, 'tenant.suspended');
      expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          headers: { 'x-tenant': 'askiya-alinan' },
          payload: { email: 'calisan@askiya.com.tr', password: PASSWORD },
        }),
        403,
        'tenant.suspended',
      );
      expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          headers: { 'x-tenant': 'askiya-alinan' },
          payload: { refreshToken: member.refreshToken },
        }),
        403,
        'tenant.suspended',
      );
      // Other tenants are unaffected, and the platform still sees it.
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/tenant' })).statusCode).toBe(200);
      expect((await call('GET', `/platform/tenants/${tenant.id}`)).json()).toMatchObject({
        status: 'suspended',
      });

      const reactivated = await call('PATCH', `/platform/tenants/${tenant.id}`, {
        payload: { status: 'active' },
      });
      expect(reactivated.statusCode).toBe(200);
      expect((await profile()).statusCode).toBe(200);
      expect((await call('GET', '/users', { auth: member })).statusCode).toBe(200);
      await signIn(t.app, 'calisan@askiya.com.tr', PASSWORD, { tenant: 'askiya-alinan' });

      const audit = await t.ownerQuery<{ after: { status: string } }>(
        "SELECT after FROM audit_logs WHERE action = 'tenant.updated' AND entity_id = $1 ORDER BY id",
        [tenant.id],
      );
      expect(audit.map((row) => row.after.status)).toEqual(['suspended', 'active']);
    });

    it('suspends at once even when a request resolved the tenant while the change was committing', async () => {
      const tenant = await createTenant({ slug: 'yarista', name: 'Yarışta' });
      const profile = () =>
        t.app.inject({ method: 'GET', url: '/api/v1/tenant', headers: { 'x-tenant': 'yarista' } });
      expect((await profile()).statusCode).toBe(200);

      const hold = await holdCommitsOf('tenants');
      try {
        const suspending = call('PATCH', `/platform/tenants/${tenant.id}`, {
          payload: { status: 'suspended' },
        });
        await hold.waitUntilWaiting();
        // Until the suspension commits, the tenant is still active.
        expect((await profile()).statusCode).toBe(200);
        await hold.release();
        expect((await suspending).statusCode).toBe(200);
      } finally {
        await hold.drop();
      }
      // Once the suspension has answered, this process must refuse the tenant.
      expectProblem(await profile(), 403, 'tenant.suspended');
    });
  });
});
