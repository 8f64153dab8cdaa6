import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { holdCommitsOf as holdCommits } from '../../../test/commit-hold.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, lastMessage, makeUser, type SignedIn, signIn } from '../../../test/identity.js';
import { BUILT_IN_ROLES, PERMISSIONS } from './permissions.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

interface UserBody {
  id: string;
  kind: string;
  email: string;
  name: string;
  status: string;
  roles: string[];
}

interface RoleBody {
  id: string;
  key: string;
  audience: string;
  permissions: string[];
  builtIn: boolean;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe('roles, permissions and staff users', () => {
  let t: TestApp;
  let admin: SignedIn;
  let adminId: string;

  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  async function userCount(): Promise<number> {
    const [row] = await t.ownerQuery<{ n: string }>('SELECT count(*) AS n FROM users');
    return Number(row!.n);
  }

  async function roleByKey(key: string): Promise<RoleBody> {
    const roles = (await call('GET', '/roles')).json() as { items: RoleBody[] };
    const role = roles.items.find((r) => r.key === key);
    if (!role) throw new Error(`no role ${key}`);
    return role;
  }

  async function createStaff(body: Record<string, unknown>): Promise<UserBody> {
    const response = await call('POST', '/users', { payload: body });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as UserBody;
  }

  /**
   * Makes every transaction updating `table` wait at COMMIT until `release()`: a deferred trigger
   * takes an advisory lock this helper holds. For observing what other requests see mid-change.
   */
  const holdCommitsOf = (table: string) => holdCommits(t.database.ownerUrl, table);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    adminId = ((await call('GET', '/me')).json() as { id: string }).id;
  });
  afterAll(() => t?.close());

  describe('permission registry', () => {
    it('lists every permission with a description to a signed-in user', async () => {
      const response = await call('GET', '/permissions');
      expect(response.statusCode).toBe(200);
      const { items } = response.json() as { items: { name: string; description: string }[] };
      expect(items.map((p) => p.name).sort()).toEqual(Object.keys(PERMISSIONS).sort());
      for (const item of items) {
        expect(item.description).toBe(PERMISSIONS[item.name as keyof typeof PERMISSIONS]);
        expect(item.description.length).toBeGreaterThan(0);
      }
    });

    it('answers anonymous callers with 401 auth.unauthenticated', async () => {
      expectProblem(await call('GET', '/permissions', { auth: null }), 401, 'auth.unauthenticated');
    });

    it('is readable by users with no permissions at all', async () => {
      await makeUser(t, { email: 'yetkisiz@ornek.com.tr', password: PASSWORD, roles: [] });
      const none = await signIn(t.app, 'yetkisiz@ornek.com.tr', PASSWORD);
      expect((await call('GET', '/permissions', { auth: none })).statusCode).toBe(200);
      expectProblem(await call('GET', '/roles', { auth: none }), 403, 'auth.forbidden');
    });
  });

  describe('roles', () => {
    it('gives the tenant its built-in staff and customer roles', async () => {
      const response = await call('GET', '/roles');
      expect(response.statusCode).toBe(200);
      const { items } = response.json() as { items: RoleBody[] };
      const builtIn = items.filter((r) => r.builtIn);
      const keysOf = (audience: string) =>
        builtIn
          .filter((r) => r.audience === audience)
          .map((r) => r.key)
          .sort();
      expect(keysOf('staff')).toEqual(
        ['super_admin', 'sales_manager', 'finance_manager', 'customer_service', 'content_manager'].sort(),
      );
      expect(keysOf('customer')).toEqual(['dealer_owner', 'purchasing', 'finance', 'viewer'].sort());
      for (const role of BUILT_IN_ROLES) {
        const found = builtIn.find((r) => r.key === role.key)!;
        expect(found.permissions.sort()).toEqual([...role.permissions].sort());
      }
      const one = await call('GET', `/roles/${builtIn[0]!.id}`);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({ id: builtIn[0]!.id, key: builtIn[0]!.key });
    });

    it('answers an unknown role id with 404 and a malformed one with 400', async () => {
      expectProblem(await call('GET', '/roles/0190f5a2-0000-7000-8000-000000000000'), 404, 'roles.not_found');
      expect((await call('GET', '/roles/not-a-uuid')).statusCode).toBe(400);
    });

    it('creates a custom role and refuses a second one with the same key', async () => {
      const created = await call('POST', '/roles', {
        payload: {
          key: 'depo_sorumlusu',
          name: 'Depo Sorumlusu',
          description: 'Stok ve sevkiyat',
          audience: 'staff',
          permissions: ['shipping.manage', 'inventory.manage', 'inventory.manage'],
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({
        key: 'depo_sorumlusu',
        name: 'Depo Sorumlusu',
        audience: 'staff',
        builtIn: false,
        permissions: ['inventory.manage', 'shipping.manage'],
      });

      const again = await call('POST', '/roles', {
        payload: { key: 'depo_sorumlusu', name: 'Başka', audience: 'staff', permissions: [] },
      });
      expectProblem(again, 409, 'roles.key_taken');
      const builtInKey = await call('POST', '/roles', {
        payload: { key: 'super_admin', name: 'Fake', audience: 'staff', permissions: [] },
      });
      expectProblem(builtInKey, 409, 'roles.key_taken');
    });

    it('refuses unknown permissions and staff permissions in customer roles', async () => {
      expectProblem(
        await call('POST', '/roles', {
          payload: { key: 'hayali', name: 'Hayali', audience: 'staff', permissions: ['rockets.launch'] },
        }),
        400,
        'roles.unknown_permission',
      );
      expectProblem(
        await call('POST', '/roles', {
          payload: {
            key: 'bayi_yonetici',
            name: 'Bayi Yönetici',
            audience: 'customer',
            permissions: ['orders.view', 'users.manage'],
          },
        }),
        400,
        'roles.staff_permission',
      );
      const roles = (await call('GET', '/roles')).json() as { items: RoleBody[] };
      expect(roles.items.map((r) => r.key)).not.toContain('hayali');
      expect(roles.items.map((r) => r.key)).not.toContain('bayi_yonetici');
    });

    it('refuses malformed role bodies', async () => {
      for (const payload of [
        { key: 'Büyük Harf', name: 'x', audience: 'staff', permissions: [] },
        { key: 'ok_key', name: 'x', audience: 'robot', permissions: [] },
        { key: 'ok_key', name: '', audience: 'staff', permissions: [] },
        { key: 'ok_key', name: 'x', audience: 'staff', permissions: [], extra: true },
        { key: 'ok_key', name: 'x'.repeat(10_000), audience: 'staff', permissions: [] },
      ]) {
        expect((await call('POST', '/roles', { payload })).statusCode).toBe(400);
      }
      const roles = (await call('GET', '/roles')).json() as { items: RoleBody[] };
      expect(roles.items.map((r) => r.key)).not.toContain('ok_key');
    });

    it('lets a built-in role’s permissions be edited, but not the role be deleted', async () => {
      const viewer = await roleByKey('viewer');
      const edited = await call('PATCH', `/roles/${viewer.id}`, {
        payload: { permissions: [...viewer.permissions, 'quotes.create'], name: 'Görüntüleyici' },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json()).toMatchObject({ key: 'viewer', name: 'Görüntüleyici', builtIn: true });
      expect((edited.json() as RoleBody).permissions).toContain('quotes.create');

      // A built-in customer role still may not gain staff permissions.
      expectProblem(
        await call('PATCH', `/roles/${viewer.id}`, { payload: { permissions: ['audit.view'] } }),
        400,
        'roles.staff_permission',
      );
      expectProblem(await call('DELETE', `/roles/${viewer.id}`), 409, 'roles.built_in');
      expect((await roleByKey('viewer')).permissions).toContain('quotes.create');
    });

    it('refuses to delete a role a user holds, and deletes an unused custom role', async () => {
      const held = await call('POST', '/roles', {
        payload: { key: 'kasiyer', name: 'Kasiyer', audience: 'staff', permissions: ['payments.process'] },
      });
      expect(held.statusCode).toBe(201);
      const holder = await createStaff({
        email: 'kasiyer@ornek.com.tr',
        name: 'Kasa Görevlisi',
        roles: ['kasiyer'],
        password: PASSWORD,
      });
      const heldId = (held.json() as RoleBody).id;
      expectProblem(await call('DELETE', `/roles/${heldId}`), 409, 'roles.in_use');

      // Once nobody holds it, it can go.
      expect((await call('PUT', `/users/${holder.id}/roles`, { payload: { roles: [] } })).statusCode).toBe(
        200,
      );
      expect((await call('DELETE', `/roles/${heldId}`)).statusCode).toBe(204);

      const unused = await call('POST', '/roles', {
        payload: { key: 'gecici', name: 'Geçici', audience: 'customer', permissions: ['orders.view'] },
      });
      const unusedId = (unused.json() as RoleBody).id;
      const deleted = await call('DELETE', `/roles/${unusedId}`);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expectProblem(await call('GET', `/roles/${unusedId}`), 404, 'roles.not_found');
      expectProblem(await call('DELETE', `/roles/${unusedId}`), 404, 'roles.not_found');
    });
  });

  describe('permission effects', () => {
    let agent: SignedIn;

    beforeAll(async () => {
      await makeUser(t, {
        email: 'destek@ornek.com.tr',
        password: PASSWORD,
        name: 'Destek Ekibi',
        roles: ['customer_service'],
      });
      agent = await signIn(t.app, 'destek@ornek.com.tr', PASSWORD);
    });

    it('refuses a route needing a permission the role lacks (403) and anonymous callers (401)', async () => {
      const payload = { email: 'yeni-personel@ornek.com.tr', name: 'Yeni Personel', roles: [] };
      expectProblem(await call('POST', '/users', { auth: agent, payload }), 403, 'auth.forbidden');
      expectProblem(await call('POST', '/users', { auth: null, payload }), 401, 'auth.unauthenticated');
      expect(
        await t.ownerQuery('SELECT 1 FROM users WHERE email_key = $1', ['yeni-personel@ornek.com.tr']),
      ).toEqual([]);
    });

    it('gives a user a permission added to their role on their next sign-in, at once', async () => {
      const role = await roleByKey('customer_service');
      const original = role.permissions;
      const me = async (auth: SignedIn) =>
        (await call('GET', '/me', { auth })).json() as { permissions: string[] };
      expect((await me(agent)).permissions).not.toContain('users.manage');
      try {
        const edited = await call('PATCH', `/roles/${role.id}`, {
          payload: { permissions: [...original, 'users.manage'] },
        });
        expect(edited.statusCode).toBe(200);

        const fresh = await signIn(t.app, 'destek@ornek.com.tr', PASSWORD);
        expect((await me(fresh)).permissions).toContain('users.manage');
        const created = await call('POST', '/users', {
          auth: fresh,
          payload: {
            email: 'yeni-personel@ornek.com.tr',
            name: 'Yeni Personel',
            roles: [],
            password: PASSWORD,
          },
        });
        expect(created.statusCode, created.body).toBe(201);
      } finally {
        await call('PATCH', `/roles/${role.id}`, { payload: { permissions: original } });
      }
      // Taking it away again is just as immediate.
      const again = await signIn(t.app, 'destek@ornek.com.tr', PASSWORD);
      expect((await me(again)).permissions).not.toContain('users.manage');
      expectProblem(
        await call('POST', '/users', {
          auth: again,
          payload: { email: 'ikinci-personel@ornek.com.tr', name: 'İkinci', roles: [] },
        }),
        403,
        'auth.forbidden',
      );
    });

    it('takes a revoked permission away at once, even from a request that read the roles mid-edit', async () => {
      const role = await roleByKey('customer_service');
      const original = role.permissions;
      const granted = await call('PATCH', `/roles/${role.id}`, {
        payload: { permissions: [...original, 'users.view'] },
      });
      expect(granted.statusCode).toBe(200);
      const me = async (auth: SignedIn) =>
        (await call('GET', '/me', { auth })).json() as { permissions: string[] };
      expect((await me(agent)).permissions).toContain('users.view');

      // Holds the role edit's transaction at its commit, after the service has run, so that another
      // request can read the roles while the edit is not yet visible.
      const hold = await holdCommitsOf('roles');
      try {
        const revoking = call('PATCH', `/roles/${role.id}`, { payload: { permissions: original } });
        await hold.waitUntilWaiting();
        const during = await me(agent);
        // Until the edit commits, the old permissions are the truth.
        expect(during.permissions).toContain('users.view');
        await hold.release();
        expect((await revoking).statusCode).toBe(200);
      } finally {
        await hold.drop();
      }
      // Once the edit has answered, the next request must not be served the old permissions.
      const fresh = await signIn(t.app, 'destek@ornek.com.tr', PASSWORD);
      expect((await me(fresh)).permissions).not.toContain('users.view');
      expectProblem(await call('GET', '/users', { auth: fresh }), 403, 'auth.forbidden');
      expectProblem(await call('GET', '/users', { auth: agent }), 403, 'auth.forbidden');
    });

    it('refuses a customer user the staff user list', async () => {
      await makeUser(t, {
        email: 'bayi-sahibi@ornek.com.tr',
        password: PASSWORD,
        name: 'Bayi Sahibi',
        kind: 'customer',
        roles: ['dealer_owner'],
      });
      const dealer = await signIn(t.app, 'bayi-sahibi@ornek.com.tr', PASSWORD);
      expectProblem(await call('GET', '/users', { auth: dealer }), 403, 'auth.forbidden');
      expectProblem(await call('GET', '/roles', { auth: dealer }), 403, 'auth.forbidden');
      expectProblem(
        await call('POST', '/users', {
          auth: dealer,
          payload: { email: 'sizma@ornek.com.tr', name: 'Sızma', roles: ['super_admin'], password: PASSWORD },
        }),
        403,
        'auth.forbidden',
      );
    });
  });

  describe('staff users', () => {
    it('creates a staff user with a password, who can sign in with their roles', async () => {
      const user = await createStaff({
        email: 'satis@ornek.com.tr',
        name: '  Satış Müdürü ',
        roles: ['sales_manager'],
        password: PASSWORD,
        locale: 'tr-TR',
        phone: '+90 212 555 00 00',
      });
      expect(user).toMatchObject({
        kind: 'staff',
        email: 'satis@ornek.com.tr',
        name: 'Satış Müdürü',
        status: 'active',
        roles: ['sales_manager'],
        locale: 'tr-TR',
        phone: '+90 212 555 00 00',
      });
      expect(JSON.stringify(user)).not.toMatch(/password|\$argon2/i);
      const session = await signIn(t.app, 'satis@ornek.com.tr', PASSWORD);
      const me = (await call('GET', '/me', { auth: session })).json() as {
        permissions: string[];
        kind: string;
      };
      expect(me.kind).toBe('staff');
      expect(me.permissions).toContain('customers.edit');
      expect(me.permissions).not.toContain('users.manage');
      const fetched = await call('GET', `/users/${user.id}`);
      expect(fetched.json()).toMatchObject({ id: user.id, email: 'satis@ornek.com.tr' });
    });

    it('invites a user created without a password to choose one by email', async () => {
      const user = await createStaff({
        email: 'davetli@ornek.com.tr',
        name: 'Davetli Kişi',
        roles: ['content_manager'],
      });
      expect(user.status).toBe('active');
      // No password yet: signing in is not possible.
      const early = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'davetli@ornek.com.tr', password: PASSWORD },
      });
      expectProblem(early, 401, 'auth.invalid_credentials');

      const message = await lastMessage(t, 'identity.invitation', 'davetli@ornek.com.tr');
      expect(message).toBeDefined();
      const token = message!.data.token!;
      expect(message!.body).toContain(encodeURIComponent(token));

      const weak = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/reset-password',
        payload: { token, password: 'davetli-2024-xyz' },
      });
      expectProblem(weak, 400, 'auth.weak_password');
      const reset = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/reset-password',
        payload: { token, password: PASSWORD },
      });
      expect(reset.statusCode, reset.body).toBe(204);
      const session = await signIn(t.app, 'davetli@ornek.com.tr', PASSWORD);
      const me = (await call('GET', '/me', { auth: session })).json() as {
        emailVerified: boolean;
        roles: string[];
      };
      expect(me).toMatchObject({ emailVerified: true, roles: ['content_manager'] });

      // The link works once.
      const reused = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/reset-password',
        payload: { token, password: 'Başka-Bir-Şifre-2024' },
      });
      expectProblem(reused, 400, 'auth.invalid_token');
    });

    it('refuses a weak password for a new user', async () => {
      for (const password of ['kısa', 'password123', 'qwertyuiop', 'ZAYIF.KULLANICI-2024']) {
        const response = await call('POST', '/users', {
          payload: { email: 'zayif.kullanici@ornek.com.tr', name: 'Zayıf', roles: [], password },
        });
        expect(response.statusCode, password).toBe(400);
      }
      expect(
        await t.ownerQuery('SELECT 1 FROM users WHERE email_key = $1', ['zayif.kullanici@ornek.com.tr']),
      ).toEqual([]);
    });

    it('treats emails as one account regardless of case, including Turkish İ, I and ı', async () => {
      const first = await call('POST', '/users', {
        payload: { email: 'İLKER@ornek.com.tr', name: 'İlker Yılmaz', roles: [], password: PASSWORD },
      });
      expect(first.statusCode, first.body).toBe(201);
      for (const email of [
        'ilker@ornek.com.tr',
        'ILKER@ornek.com.tr',
        'Ilker@Ornek.Com.Tr',
        'ılker@ornek.com.tr',
      ]) {
        const again = await call('POST', '/users', {
          payload: { email, name: 'Başka İlker', roles: [], password: PASSWORD },
        });
        expectProblem(again, 409, 'users.email_taken');
      }
      const rows = await t.ownerQuery('SELECT 1 FROM users WHERE email_key = $1', ['ilker@ornek.com.tr']);
      expect(rows).toHaveLength(1);
      // Whatever the capitalisation typed at sign-in, it is the same account.
      await signIn(t.app, 'ilker@ornek.com.tr', PASSWORD);
    });

    it('refuses a second account for an email differing only in ASCII case', async () => {
      await createStaff({
        email: 'Ayse.Kaya@ornek.com.tr',
        name: 'Ayşe Kaya',
        roles: [],
        password: PASSWORD,
      });
      expectProblem(
        await call('POST', '/users', {
          payload: { email: 'ayse.kaya@ORNEK.com.tr', name: 'Ayşe', roles: [], password: PASSWORD },
        }),
        409,
        'users.email_taken',
      );
    });

    it('pages through users with limit and cursor', async () => {
      for (let i = 1; i <= 5; i++) {
        await createStaff({
          email: `sayfa${i}@ornek.com.tr`,
          name: `Sayfalama Kişi ${i}`,
          roles: [],
          password: PASSWORD,
        });
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `q=Sayfalama&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const response = await call('GET', `/users?${query}`);
        expect(response.statusCode, response.body).toBe(200);
        const page = response.json() as Page<UserBody>;
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((u) => u.name));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      // Newest first, each exactly once.
      expect(seen).toEqual([5, 4, 3, 2, 1].map((i) => `Sayfalama Kişi ${i}`));

      const whole = (await call('GET', '/users?limit=100')).json() as Page<UserBody>;
      expect(whole.items.length).toBeGreaterThanOrEqual(10);
      expect(new Set(whole.items.map((u) => u.id)).size).toBe(whole.items.length);

      expectProblem(await call('GET', '/users?cursor=bm90LWFuLWlk'), 400, 'request.invalid_cursor');
      expect((await call('GET', '/users?limit=0')).statusCode).toBe(400);
      expect((await call('GET', '/users?limit=101')).statusCode).toBe(400);
      expect((await call('GET', '/users?sort=name')).statusCode).toBe(400);
    });

    it('filters users by kind and status', async () => {
      await makeUser(t, {
        email: 'musteri-filtre@ornek.com.tr',
        password: PASSWORD,
        name: 'Müşteri Filtre',
        kind: 'customer',
        roles: ['viewer'],
      });
      const customers = (await call('GET', '/users?kind=customer&limit=100')).json() as Page<UserBody>;
      expect(customers.items.length).toBeGreaterThan(0);
      expect(customers.items.every((u) => u.kind === 'customer')).toBe(true);
      expect(customers.items.map((u) => u.email)).toContain('musteri-filtre@ornek.com.tr');

      const staff = (await call('GET', '/users?kind=staff&limit=100')).json() as Page<UserBody>;
      expect(staff.items.every((u) => u.kind === 'staff')).toBe(true);
      expect(staff.items.map((u) => u.email)).toContain(BOOTSTRAP_ADMIN.email);
      expect(staff.items.map((u) => u.email)).not.toContain('musteri-filtre@ornek.com.tr');

      const pasif = await createStaff({
        email: 'pasif@ornek.com.tr',
        name: 'Pasif Kişi',
        roles: [],
        password: PASSWORD,
      });
      expect((await call('POST', `/users/${pasif.id}/deactivate`)).statusCode).toBe(200);
      const deactivated = (await call('GET', '/users?status=deactivated')).json() as Page<UserBody>;
      expect(deactivated.items.map((u) => u.id)).toEqual([pasif.id]);
      const active = (await call('GET', '/users?status=active&limit=100')).json() as Page<UserBody>;
      expect(active.items.every((u) => u.status === 'active')).toBe(true);
      expect(active.items.map((u) => u.id)).not.toContain(pasif.id);

      expect((await call('GET', '/users?kind=platform')).statusCode).toBe(400);
      expect((await call('GET', '/users?status=sleeping')).statusCode).toBe(400);
    });

    it('searches names case-insensitively, Turkish letters included', async () => {
      const sukru = await createStaff({
        email: 'sc@ornek.com.tr',
        name: 'Şükrü Çelik',
        roles: [],
        password: PASSWORD,
      });
      const ismail = await createStaff({
        email: 'iy@ornek.com.tr',
        name: 'İsmail Yıldız',
        roles: [],
        password: PASSWORD,
      });
      const search = async (q: string) =>
        ((await call('GET', `/users?q=${encodeURIComponent(q)}`)).json() as Page<UserBody>).items.map(
          (u) => u.id,
        );

      for (const q of ['şükrü', 'ŞÜKRÜ', 'Şükrü', 'çelik', 'ÇELİK'])
        expect(await search(q), q).toEqual([sukru.id]);
      for (const q of ['ismail', 'İSMAİL', 'İsmail', 'yıldız', 'YILDIZ'])
        expect(await search(q), q).toEqual([ismail.id]);
      // By email too, and wildcards are taken literally.
      expect(await search('SC@ORNEK')).toEqual([sukru.id]);
      expect(await search('%')).toEqual([]);
      expect(await search('_c@')).toEqual([]);
      expect((await call('GET', `/users?q=${'a'.repeat(101)}`)).statusCode).toBe(400);
    });

    it('edits a user’s name, locale and phone', async () => {
      const user = await createStaff({
        email: 'duzenle@ornek.com.tr',
        name: 'Eski Ad',
        roles: [],
        password: PASSWORD,
      });
      const edited = await call('PATCH', `/users/${user.id}`, {
        payload: { name: 'Yeni Ad Soyad', locale: 'en-GB', phone: '+90 532 000 11 22' },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json()).toMatchObject({
        name: 'Yeni Ad Soyad',
        locale: 'en-GB',
        phone: '+90 532 000 11 22',
      });
      const cleared = await call('PATCH', `/users/${user.id}`, { payload: { phone: null } });
      expect(cleared.json()).toMatchObject({ phone: null, name: 'Yeni Ad Soyad' });

      expect((await call('PATCH', `/users/${user.id}`, { payload: {} })).statusCode).toBe(400);
      expect(
        (await call('PATCH', `/users/${user.id}`, { payload: { email: 'x@ornek.com.tr' } })).statusCode,
      ).toBe(400);
      expect(
        (await call('PATCH', `/users/${user.id}`, { payload: { name: 'x'.repeat(10_240) } })).statusCode,
      ).toBe(400);
      expectProblem(
        await call('PATCH', '/users/0190f5a2-0000-7000-8000-000000000000', { payload: { name: 'Hayalet' } }),
        404,
        'users.not_found',
      );
      const [row] = await t.ownerQuery<{ name: string; email: string }>(
        'SELECT name, email FROM users WHERE id = $1',
        [user.id],
      );
      expect(row).toEqual({ name: 'Yeni Ad Soyad', email: 'duzenle@ornek.com.tr' });
    });

    it('replaces a user’s roles, refusing unknown roles and roles of the other audience', async () => {
      const user = await createStaff({
        email: 'roller@ornek.com.tr',
        name: 'Rol Değişen',
        roles: [],
        password: PASSWORD,
      });
      const changed = await call('PUT', `/users/${user.id}/roles`, {
        payload: { roles: ['finance_manager', 'content_manager'] },
      });
      expect(changed.statusCode, changed.body).toBe(200);
      expect((changed.json() as UserBody).roles).toEqual(['content_manager', 'finance_manager']);

      expectProblem(
        await call('PUT', `/users/${user.id}/roles`, { payload: { roles: ['finance_manager', 'astronot'] } }),
        400,
        'roles.not_found',
      );
      expectProblem(
        await call('PUT', `/users/${user.id}/roles`, { payload: { roles: ['dealer_owner'] } }),
        400,
        'roles.wrong_audience',
      );
      expectProblem(
        await call('POST', '/users', {
          payload: {
            email: 'yanlis-rol@ornek.com.tr',
            name: 'Yanlış',
            roles: ['purchasing'],
            password: PASSWORD,
          },
        }),
        400,
        'roles.wrong_audience',
      );
      expect((await call('PUT', `/users/${user.id}/roles`, { payload: { roles: [42] } })).statusCode).toBe(
        400,
      );
      expect((await call('PUT', `/users/${user.id}/roles`, { payload: {} })).statusCode).toBe(400);
      // Failed changes left the roles as they were.
      expect(((await call('GET', `/users/${user.id}`)).json() as UserBody).roles).toEqual([
        'content_manager',
        'finance_manager',
      ]);
      // Someone signing in after the change gets the new roles' permissions.
      const session = await signIn(t.app, 'roller@ornek.com.tr', PASSWORD);
      const me = (await call('GET', '/me', { auth: session })).json() as { permissions: string[] };
      expect(me.permissions).toEqual(
        expect.arrayContaining(['invoices.manage', 'products.edit', 'audit.view']),
      );
    });

    it('deactivates a user: sign-in and refresh stop working; reactivation restores sign-in', async () => {
      const user = await createStaff({
        email: 'ayrilan@ornek.com.tr',
        name: 'Ayrılan Kişi',
        roles: [],
        password: PASSWORD,
      });
      const session = await signIn(t.app, 'ayrilan@ornek.com.tr', PASSWORD);

      const deactivated = await call('POST', `/users/${user.id}/deactivate`);
      expect(deactivated.statusCode).toBe(200);
      expect(deactivated.json()).toMatchObject({ status: 'deactivated' });

      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'ayrilan@ornek.com.tr', password: PASSWORD },
      });
      expectProblem(login, 401, 'auth.invalid_credentials');
      const refresh = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: session.refreshToken },
      });
      expectProblem(refresh, 401, 'auth.invalid_refresh_token');

      const reactivated = await call('POST', `/users/${user.id}/reactivate`);
      expect(reactivated.statusCode).toBe(200);
      expect(reactivated.json()).toMatchObject({ status: 'active' });
      await signIn(t.app, 'ayrilan@ornek.com.tr', PASSWORD);
    });

    it('refuses to let a user deactivate themselves', async () => {
      expectProblem(await call('POST', `/users/${adminId}/deactivate`), 409, 'users.cannot_deactivate_self');
      const [row] = await t.ownerQuery<{ status: string }>('SELECT status FROM users WHERE id = $1', [
        adminId,
      ]);
      expect(row!.status).toBe('active');
      expect((await call('GET', '/me')).statusCode).toBe(200);
    });
  });

  describe('bad input', () => {
    it('answers malformed, oversized or SQL-like emails with 400 and stores nothing', async () => {
      const before = await userCount();
      const big = 'a'.repeat(10_240);
      for (const payload of [
        { email: 'not-an-email', name: 'Kötü', roles: [] },
        { email: 'iki@@ornek.com.tr', name: 'Kötü', roles: [] },
        { email: `${big}@ornek.com.tr`, name: 'Kötü', roles: [] },
        { email: "x'); DROP TABLE users;--", name: 'Kötü', roles: [] },
        { email: 'uzun-ad@ornek.com.tr', name: big, roles: [] },
        { email: 'uzun-ad@ornek.com.tr', name: '', roles: [] },
        { email: 'sql-ad@ornek.com.tr', name: "x'); DROP TABLE users;--", roles: [], password: big },
        { email: 'uzun-rol@ornek.com.tr', name: 'Uzun', roles: [big] },
        { email: 'bilinmeyen@ornek.com.tr', name: 'Bilinmeyen', roles: [], isAdmin: true },
        { email: 'bilinmeyen@ornek.com.tr', name: 'Bilinmeyen', roles: [], kind: 'platform' },
        { email: 'eksik@ornek.com.tr', name: 'Eksik' },
      ]) {
        const response = await call('POST', '/users', { payload });
        expect(response.statusCode, JSON.stringify(payload).slice(0, 120)).toBe(400);
        expect(response.json()).toMatchObject({ status: 400 });
      }
      expect(await userCount()).toBe(before);
    });

    it('stores SQL-like text in a name verbatim, harming nothing', async () => {
      const name = "x'); DROP TABLE users;--";
      const user = await createStaff({ email: 'tirnak@ornek.com.tr', name, roles: [], password: PASSWORD });
      expect(user.name).toBe(name);
      const [row] = await t.ownerQuery<{ name: string }>('SELECT name FROM users WHERE id = $1', [user.id]);
      expect(row!.name).toBe(name);
      const found = (
        await call('GET', `/users?q=${encodeURIComponent('DROP TABLE users;--')}`)
      ).json() as Page<UserBody>;
      expect(found.items.map((u) => u.id)).toEqual([user.id]);
    });

    it('answers a body that is not JSON with 400', async () => {
      const before = await userCount();
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { ...admin.auth, 'content-type': 'application/json' },
        payload: '{"email": "kirik@ornek.com.tr", ',
      });
      expectProblem(response, 400, 'request.malformed_json');
      expect(await userCount()).toBe(before);
    });
  });

  describe('tenant isolation', () => {
    const OTHER = 'ikinci-bayi';

    beforeAll(async () => {
      const platform = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, {
        platform: true,
      });
      const created = await call('POST', '/platform/tenants', {
        auth: platform,
        payload: {
          slug: OTHER,
          name: 'İkinci Bayi',
          owner: { email: 'yabanci@ornek.com.tr', password: PASSWORD, name: 'Yabancı Personel' },
        },
      });
      expect(created.statusCode, created.body).toBe(201);
    });

    it('refuses a demo token sent with another tenant’s X-Tenant', async () => {
      for (const url of ['/users', '/roles', '/me', '/audit-logs']) {
        expectProblem(
          await call('GET', url, { headers: { 'x-tenant': OTHER } }),
          401,
          'auth.tenant_mismatch',
        );
      }
      expect((await call('GET', '/users', { headers: { 'x-tenant': 'demo' } })).statusCode).toBe(200);
    });

    it('never lists or shows users of another tenant', async () => {
      const [foreign] = await t.ownerQuery<{ id: string }>('SELECT id FROM users WHERE email_key = $1', [
        'yabanci@ornek.com.tr',
      ]);
      const all = (await call('GET', '/users?limit=100')).json() as Page<UserBody>;
      expect(all.items.map((u) => u.email)).not.toContain('yabanci@ornek.com.tr');
      expect(all.items.every((u) => u.kind !== 'platform')).toBe(true);
      expect(((await call('GET', '/users?q=yabanci')).json() as Page<UserBody>).items).toEqual([]);
      expectProblem(await call('GET', `/users/${foreign!.id}`), 404, 'users.not_found');
      expectProblem(
        await call('PATCH', `/users/${foreign!.id}`, { payload: { name: 'Ele Geçirildi' } }),
        404,
        'users.not_found',
      );
      expectProblem(await call('POST', `/users/${foreign!.id}/deactivate`), 404, 'users.not_found');
      const [row] = await t.ownerQuery<{ name: string; status: string }>(
        'SELECT name, status FROM users WHERE id = $1',
        [foreign!.id],
      );
      expect(row).toEqual({ name: 'Yabancı Personel', status: 'active' });

      // The other tenant's administrator sees their own users only, and their own roles.
      const other = await signIn(t.app, 'yabanci@ornek.com.tr', PASSWORD, { tenant: OTHER });
      const theirs = (await call('GET', '/users?limit=100', { auth: other })).json() as Page<UserBody>;
      expect(theirs.items.map((u) => u.email)).toEqual(['yabanci@ornek.com.tr']);
      const theirRoles = (await call('GET', '/roles', { auth: other })).json() as { items: RoleBody[] };
      expect(theirRoles.items.map((r) => r.key)).not.toContain('depo_sorumlusu');
      expect(theirRoles.items).toHaveLength(9);
      // A demo email is free in the other tenant.
      const same = await call('POST', '/users', {
        auth: other,
        payload: { email: 'satis@ornek.com.tr', name: 'Başka Satış', roles: [], password: PASSWORD },
      });
      expect(same.statusCode, same.body).toBe(201);
    });
  });

  describe('audit log', () => {
    it('records user creation, role creation and role changes, with filters', async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      const role = await call('POST', '/roles', {
        payload: { key: 'denetci', name: 'Denetçi', audience: 'staff', permissions: ['audit.view'] },
      });
      const roleId = (role.json() as RoleBody).id;
      const user = await createStaff({
        email: 'denetlenen@ornek.com.tr',
        name: 'Denetlenen',
        roles: [],
        password: PASSWORD,
      });
      await call('PUT', `/users/${user.id}/roles`, { payload: { roles: ['denetci'] } });
      const to = new Date(Date.now() + 1000).toISOString();

      const list = async (query: string) => {
        const response = await call('GET', `/audit-logs?${query}`);
        expect(response.statusCode, response.body).toBe(200);
        return (
          response.json() as Page<{
            action: string;
            entityId: string;
            actorId: string;
            at: string;
            before: unknown;
            after: unknown;
          }>
        ).items;
      };

      const created = await list(`action=user.created&entityId=${user.id}`);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ action: 'user.created', entityId: user.id, actorId: adminId });
      expect(created[0]!.after).toMatchObject({ email: 'denetlenen@ornek.com.tr', roles: [] });
      expect(JSON.stringify(created[0])).not.toContain('$argon2');

      const roleCreated = await list(`action=role.created&entityId=${roleId}`);
      expect(roleCreated).toHaveLength(1);
      expect(roleCreated[0]).toMatchObject({ action: 'role.created', actorId: adminId });

      const changed = await list(`action=user.roles_changed&entityId=${user.id}`);
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatchObject({ before: { roles: [] }, after: { roles: ['denetci'] } });

      const byEntity = await list(`entityId=${user.id}`);
      expect(byEntity.map((e) => e.action)).toEqual(['user.roles_changed', 'user.created']);

      const window = await list(`from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=100`);
      expect(window.map((e) => e.action)).toEqual(
        expect.arrayContaining(['role.created', 'user.created', 'user.roles_changed']),
      );
      for (const entry of window) {
        expect(entry.at >= from && entry.at <= to).toBe(true);
      }
      expect(await list(`to=${encodeURIComponent(from)}&entityId=${user.id}`)).toEqual([]);
      expect(await list(`from=${encodeURIComponent(to)}&entityId=${user.id}`)).toEqual([]);
      expect((await call('GET', '/audit-logs?from=yesterday')).statusCode).toBe(400);

      // Other changes are audited too.
      expect((await list('action=role.updated')).length).toBeGreaterThan(0);
      expect((await list('action=role.deleted')).length).toBeGreaterThan(0);
      expect((await list('action=user.deactivated')).length).toBeGreaterThan(0);
      expect((await list('action=user.updated')).length).toBeGreaterThan(0);
      // Only this tenant's entries.
      const [other] = await t.ownerQuery<{ id: string }>("SELECT id FROM tenants WHERE slug = 'ikinci-bayi'");
      const [foreignEntries] = await t.ownerQuery<{ n: string }>(
        "SELECT count(*) AS n FROM audit_logs WHERE tenant_id = $1 AND action = 'user.created'",
        [other!.id],
      );
      expect(Number(foreignEntries!.n)).toBeGreaterThan(0);
      const allCreated = await list('action=user.created&limit=100');
      expect(allCreated.map((e) => (e.after as { email: string }).email)).not.toContain(
        'yabanci@ornek.com.tr',
      );
    });

    it('pages the audit log', async () => {
      const first = (await call('GET', '/audit-logs?limit=3')).json() as Page<{ id: string }>;
      expect(first.items).toHaveLength(3);
      expect(first.nextCursor).toBeTruthy();
      const second = (await call('GET', `/audit-logs?limit=3&cursor=${first.nextCursor}`)).json() as Page<{
        id: string;
      }>;
      expect(second.items).toHaveLength(3);
      const ids = [...first.items, ...second.items].map((e) => e.id);
      expect(new Set(ids).size).toBe(6);
    });

    it('refuses the audit log to users without audit.view', async () => {
      const agent = await signIn(t.app, 'destek@ornek.com.tr', PASSWORD);
      expectProblem(await call('GET', '/audit-logs', { auth: agent }), 403, 'auth.forbidden');
      expectProblem(await call('GET', '/audit-logs', { auth: null }), 401, 'auth.unauthenticated');
      // A finance manager holds audit.view.
      const finance = await signIn(t.app, 'roller@ornek.com.tr', PASSWORD);
      expect((await call('GET', '/audit-logs', { auth: finance })).statusCode).toBe(200);
    });
  });
});
