import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { BOOTSTRAP_ADMIN, makeUser, signIn } from '../../../test/identity.js';
import type { ApiKeyView } from './api-keys.service.js';

const KEY_FORMAT = /^ck_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([\w-]{20,100})$/;

/** What POST /api-keys answers: the key's view plus the key itself, shown once. */
type CreatedKey = ApiKeyView & { key: string };

describe('API keys', () => {
  let t: TestApp;
  let admin: { authorization: string };
  let adminId: string;
  let counter = 0;

  beforeAll(async () => {
    t = await createTestApp();
    const session = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    admin = session.auth;
    adminId = (
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: admin })).json() as { id: string }
    ).id;
  });
  afterAll(() => t?.close());

  const createKey = (auth: Record<string, string>, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: auth, payload });

  async function newKey(payload: Record<string, unknown> = {}, auth: Record<string, string> = admin) {
    counter += 1;
    const response = await createKey(auth, {
      name: `Entegrasyon ${counter}`,
      scopes: ['users.view'],
      ...payload,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as CreatedKey;
  }

  const withKey = (key: string, url = '/api/v1/users', extra: Record<string, unknown> = {}) =>
    t.app.inject({ method: 'GET', url, headers: { 'x-api-key': key }, ...extra });

  const listKeys = () => t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: admin });

  it('creates a key shown once as ck_<id>_<secret>, and lists it without the secret', async () => {
    const response = await createKey(admin, { name: 'ERP', scopes: ['users.view', 'orders.view'] });
    expect(response.statusCode).toBe(201);
    const created = response.json() as CreatedKey;
    const match = KEY_FORMAT.exec(created.key);
    expect(match, created.key).not.toBeNull();
    const [, keyId, secret] = match as unknown as [string, string, string];
    expect(keyId).toBe(created.id);
    expect(created).toMatchObject({
      name: 'ERP',
      scopes: ['orders.view', 'users.view'],
      allowedIps: null,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
      createdBy: adminId,
    });
    expect(created).not.toHaveProperty('secretHash');

    // Only a hash is stored.
    const [stored] = await t.ownerQuery<{ row: string }>(
      'SELECT k::text AS row FROM api_keys k WHERE id = $1',
      [created.id],
    );
    expect(stored!.row).not.toContain(secret);

    const list = await listKeys();
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(secret);
    const items = (list.json() as { items: Record<string, unknown>[] }).items;
    const listed = items.find((item) => item['id'] === created.id);
    expect(listed).toMatchObject({ name: 'ERP', lastUsedAt: null });
    for (const item of items) {
      expect(item).not.toHaveProperty('key');
      expect(item).not.toHaveProperty('secretHash');
    }
  });

  it('authenticates with X-API-Key within its scopes, and records when it was last used', async () => {
    const created = await newKey({ scopes: ['users.view'] });

    const allowed = await withKey(created.key);
    expect(allowed.statusCode).toBe(200);
    const emails = (allowed.json() as { items: { email: string }[] }).items.map((u) => u.email);
    expect(emails).toContain(BOOTSTRAP_ADMIN.email);

    const forbidden = await withKey(created.key, '/api/v1/audit-logs');
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(forbidden.json()).toMatchObject({ code: 'auth.forbidden' });

    const items = ((await listKeys()).json() as { items: CreatedKey[] }).items;
    const listed = items.find((item) => item.id === created.id)!;
    expect(listed.lastUsedAt).not.toBeNull();
    expect(Math.abs(Date.parse(listed.lastUsedAt!) - Date.now())).toBeLessThan(60_000);
  });

  it('has no "me": GET /me with an API key is 403 (a valid credential, not one for this route)', async () => {
    const created = await newKey();
    const response = await withKey(created.key, '/api/v1/me');
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'auth.forbidden' });
  });

  it('cannot create API keys with an API key', async () => {
    const created = await newKey({ scopes: ['apikeys.manage', 'users.view'] });
    const response = await createKey({ 'x-api-key': created.key }, { name: 'Kopya', scopes: ['users.view'] });
    expect([401, 403]).toContain(response.statusCode);
    expect(response.body).not.toMatch(/"key"\s*:/);
    const [row] = await t.ownerQuery<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_keys WHERE name = 'Kopya'",
    );
    expect(row!.n).toBe(0);
  });

  describe('tenants', () => {
    let otherKey: string;
    let otherUserEmail: string;

    beforeAll(async () => {
      const platform = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, {
        platform: true,
      });
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/platform/tenants',
        headers: platform.auth,
        payload: {
          slug: 'ikinci-bayi',
          name: 'İkinci Bayi',
          owner: { email: 'yonetici@ikinci.test', password: 'Ikinci-Bayi-Parola-7' },
        },
      });
      expect(created.statusCode).toBe(201);
      otherUserEmail = 'yonetici@ikinci.test';
      const session = await signIn(t.app, otherUserEmail, 'Ikinci-Bayi-Parola-7', { tenant: 'ikinci-bayi' });
      const key = await createKey(
        { ...session.auth, 'x-tenant': 'ikinci-bayi' },
        { name: 'Ikinci', scopes: ['users.view'] },
      );
      expect(key.statusCode).toBe(201);
      otherKey = (key.json() as CreatedKey).key;
    });

    it("uses the key's tenant without X-Tenant", async () => {
      const response = await withKey(otherKey);
      expect(response.statusCode).toBe(200);
      const emails = (response.json() as { items: { email: string }[] }).items.map((u) => u.email);
      expect(emails).toContain(otherUserEmail);
      expect(emails).not.toContain(BOOTSTRAP_ADMIN.email);
    });

    it('accepts X-Tenant naming its own tenant and refuses another tenant with 401 auth.tenant_mismatch', async () => {
      const own = await withKey(otherKey, '/api/v1/users', {
        headers: { 'x-api-key': otherKey, 'x-tenant': 'ikinci-bayi' },
      });
      expect(own.statusCode).toBe(200);

      const demoKey = (await newKey()).key;
      for (const [key, tenant] of [
        [demoKey, 'ikinci-bayi'],
        [otherKey, 'demo'],
      ] as const) {
        const response = await t.app.inject({
          method: 'GET',
          url: '/api/v1/users',
          headers: { 'x-api-key': key, 'x-tenant': tenant },
        });
        expect(response.statusCode, tenant).toBe(401);
        expect(response.json()).toMatchObject({ code: 'auth.tenant_mismatch' });
      }
    });

    it("another tenant's staff do not see or revoke this tenant's keys", async () => {
      const demoKey = await newKey();
      const session = await signIn(t.app, otherUserEmail, 'Ikinci-Bayi-Parola-7', { tenant: 'ikinci-bayi' });
      const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: session.auth });
      expect(list.statusCode).toBe(200);
      expect((list.json() as { items: CreatedKey[] }).items.map((k) => k.id)).not.toContain(demoKey.id);
      const revoke = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/api-keys/${demoKey.id}`,
        headers: session.auth,
      });
      expect(revoke.statusCode).toBe(404);
      expect((await withKey(demoKey.key)).statusCode).toBe(200);
    });
  });

  it('revokes at once: the next request is 401 auth.invalid_api_key', async () => {
    const created = await newKey();
    expect((await withKey(created.key)).statusCode).toBe(200);

    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${created.id}`,
      headers: admin,
    });
    expect(revoked.statusCode).toBe(204);

    const after = await withKey(created.key);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ code: 'auth.invalid_api_key' });

    const items = ((await listKeys()).json() as { items: CreatedKey[] }).items;
    expect(items.map((k) => k.id)).not.toContain(created.id);

    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${created.id}`,
      headers: admin,
    });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ code: 'apikeys.not_found' });
  });

  it('answers malformed keys, unknown ids and wrong secrets with 401 auth.invalid_api_key', async () => {
    const created = await newKey();
    const [, keyId, secret] = KEY_FORMAT.exec(created.key) as unknown as [string, string, string];
    const flipped = secret.startsWith('A') ? `B${secret.slice(1)}` : `A${secret.slice(1)}`;
    for (const key of [
      'nope',
      'ck_123_abc',
      `ck_${keyId}`,
      `${created.key}!`,
      `ck_${randomUUID()}_${secret}`,
      `ck_${keyId}_${flipped}`,
      `ck_${keyId}_${'x'.repeat(43)}`,
    ]) {
      const response = await withKey(key);
      expect(response.statusCode, key).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ code: 'auth.invalid_api_key' });
    }
    // The real key still works.
    expect((await withKey(created.key)).statusCode).toBe(200);
  });

  it('refuses an expired key, and an expiry in the past at creation', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const created = await newKey({ expiresAt: inAnHour });
    expect(Date.parse(created.expiresAt!)).toBe(Date.parse(inAnHour));
    expect((await withKey(created.key)).statusCode).toBe(200);

    await t.ownerQuery("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [
      created.id,
    ]);
    const expired = await withKey(created.key);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ code: 'auth.invalid_api_key' });

    const past = await createKey(admin, {
      name: 'Geçmiş',
      scopes: ['users.view'],
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(past.statusCode).toBe(400);
    expect(past.json()).toMatchObject({ code: 'apikeys.expiry_in_past' });
  });

  it('allows only the listed addresses: exact IPs and CIDR ranges', async () => {
    const exact = await newKey({ allowedIps: ['203.0.113.7'] });
    expect(exact.allowedIps).toEqual(['203.0.113.7']);
    const refused = await withKey(exact.key, '/api/v1/users', { remoteAddress: '198.51.100.1' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'auth.ip_not_allowed' });
    expect((await withKey(exact.key)).statusCode).toBe(403); // from 127.0.0.1
    expect((await withKey(exact.key, '/api/v1/users', { remoteAddress: '203.0.113.7' })).statusCode).toBe(
      200,
    );
    expect((await withKey(exact.key, '/api/v1/users', { remoteAddress: '203.0.113.8' })).statusCode).toBe(
      403,
    );

    const range = await newKey({ allowedIps: ['10.20.0.0/16', '192.0.2.44'] });
    for (const address of ['10.20.0.1', '10.20.255.254', '192.0.2.44']) {
      const response = await withKey(range.key, '/api/v1/users', { remoteAddress: address });
      expect(response.statusCode, address).toBe(200);
    }
    for (const address of ['10.21.0.1', '10.19.255.255', '192.0.2.45', '127.0.0.1']) {
      const response = await withKey(range.key, '/api/v1/users', { remoteAddress: address });
      expect(response.statusCode, address).toBe(403);
      expect(response.json()).toMatchObject({ code: 'auth.ip_not_allowed' });
    }

    const narrow = await newKey({ allowedIps: ['198.51.100.0/24'] });
    expect((await withKey(narrow.key, '/api/v1/users', { remoteAddress: '198.51.100.200' })).statusCode).toBe(
      200,
    );
    expect((await withKey(narrow.key, '/api/v1/users', { remoteAddress: '198.51.101.200' })).statusCode).toBe(
      403,
    );

    const ipv6 = await newKey({ allowedIps: ['2001:db8::5'] });
    expect((await withKey(ipv6.key, '/api/v1/users', { remoteAddress: '2001:db8::5' })).statusCode).toBe(200);
    expect((await withKey(ipv6.key, '/api/v1/users', { remoteAddress: '2001:db8::6' })).statusCode).toBe(403);
  });

  it('never lets an allowlist entry with a prefix longer than 32 bits open a wider range', async () => {
    for (const entry of ['203.0.113.0/33', '203.0.113.7/40']) {
      const response = await createKey(admin, {
        name: 'Hatalı aralık',
        scopes: ['users.view'],
        allowedIps: [entry],
      });
      // Refusing the entry as invalid is right; so is accepting it only for the addresses it names.
      if (response.statusCode === 400) continue;
      expect(response.statusCode, entry).toBe(201);
      const { key } = response.json() as CreatedKey;
      const far = await withKey(key, '/api/v1/users', { remoteAddress: '203.1.2.3' });
      expect(far.statusCode, `${entry} from 203.1.2.3`).toBe(403);
    }
  });

  it('a refused address does not count as a use of the key', async () => {
    const created = await newKey({ allowedIps: ['203.0.113.7'] });
    const refused = await withKey(created.key, '/api/v1/users', { remoteAddress: '198.51.100.9' });
    expect(refused.statusCode).toBe(403);
    const items = ((await listKeys()).json() as { items: CreatedKey[] }).items;
    expect(items.find((k) => k.id === created.id)!.lastUsedAt).toBeNull();
  });

  describe('scopes', () => {
    let limited: { authorization: string };
    let limitedId: string;

    beforeAll(async () => {
      const role = await t.app.inject({
        method: 'POST',
        url: '/api/v1/roles',
        headers: admin,
        payload: {
          key: 'entegrasyon_sorumlusu',
          name: 'Entegrasyon Sorumlusu',
          audience: 'staff',
          permissions: ['users.view', 'apikeys.manage', 'orders.view'],
        },
      });
      expect(role.statusCode).toBe(201);
      const user = await makeUser(t, {
        email: 'entegrasyon@carsi.test',
        password: 'Sinirli-Yetki-Parola-3',
        roles: ['entegrasyon_sorumlusu'],
      });
      limitedId = user.id;
      limited = (await signIn(t.app, 'entegrasyon@carsi.test', 'Sinirli-Yetki-Parola-3')).auth;
    });

    it("can never exceed the creating user's permissions", async () => {
      for (const scopes of [['audit.view'], ['users.view', 'audit.view'], ['users.manage']]) {
        const response = await createKey(limited, { name: 'Fazla', scopes });
        expect(response.statusCode, scopes.join()).toBe(403);
        expect(response.json()).toMatchObject({ code: 'apikeys.scope_exceeds_creator' });
      }
      const within = await createKey(limited, { name: 'Yeterli', scopes: ['users.view', 'orders.view'] });
      expect(within.statusCode).toBe(201);
      const created = within.json() as CreatedKey;
      expect(created.createdBy).toBe(limitedId);
      expect((await withKey(created.key)).statusCode).toBe(200);
      expect((await withKey(created.key, '/api/v1/audit-logs')).statusCode).toBe(403);
    });

    it('refuses unknown scopes with 400', async () => {
      const unknown = await createKey(admin, { name: 'Bilinmeyen', scopes: ['users.view', 'nothing.here'] });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json()).toMatchObject({ code: 'apikeys.unknown_scope' });

      for (const scopes of [['NOT A SCOPE'], []]) {
        const response = await createKey(admin, { name: 'Geçersiz', scopes });
        expect(response.statusCode, JSON.stringify(scopes)).toBe(400);
      }
    });

    it('needs apikeys.manage to create, list or revoke keys', async () => {
      const user = await makeUser(t, {
        email: 'yetkisiz@carsi.test',
        password: 'Kapali-Personel-55x',
        roles: ['content_manager'],
      });
      expect(user.id).toBeTruthy();
      const auth = (await signIn(t.app, 'yetkisiz@carsi.test', 'Kapali-Personel-55x')).auth;
      const create = await createKey(auth, { name: 'Yok', scopes: ['products.view'] });
      expect(create.statusCode).toBe(403);
      expect(create.json()).toMatchObject({ code: 'auth.forbidden' });
      const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: auth });
      expect(list.statusCode).toBe(403);
      const anonymous = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        payload: { name: 'Anonim', scopes: ['users.view'] },
      });
      expect(anonymous.statusCode).toBe(401);
    });
  });

  it('audits creation and revocation', async () => {
    const created = await newKey();
    await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${created.id}`, headers: admin });
    const rows = await t.ownerQuery<{
      action: string;
      actor_id: string;
      after: Record<string, unknown> | null;
    }>(
      "SELECT action, actor_id, after FROM audit_logs WHERE entity_type = 'api_key' AND entity_id = $1 ORDER BY at, id",
      [created.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['apikey.created', 'apikey.revoked']);
    expect(rows.every((r) => r.actor_id === adminId)).toBe(true);
    const secret = KEY_FORMAT.exec(created.key)![2]!;
    expect(JSON.stringify(rows)).not.toContain(secret);
  });
});
