import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import {
  BOOTSTRAP_ADMIN,
  lastMessage,
  makeUser,
  type SignedIn,
  signIn,
  totpCode,
} from '../../../test/identity.js';

const PASSWORD = 'Galata-Kulesi-1348!';

interface Export {
  exportedAt: string;
  user: { id: string; email: string; name: string; kind: string; tenantId: string; phone: string | null };
  sessions: { id: string; ip: string | null; userAgent: string | null; revokedAt: string | null }[];
  apiKeysCreated: unknown[];
  messages: { id: string; template: string; subject: string }[];
  auditLog: { action: string; entityId: string | null; actorId: string | null }[];
}

interface UserRowView {
  email: string;
  email_key: string;
  name: string;
  status: string;
  password_hash: string | null;
  phone: string | null;
  locale: string | null;
  mfa_secret: string | null;
  mfa_enabled_at: Date | null;
}

/** Strings that would mean secrets leaked into an export. */
const SECRET_MARKERS = [
  '$argon2',
  'password_hash',
  'passwordHash',
  'mfa_secret',
  'mfaSecret',
  'token_hash',
  'tokenHash',
  'secretHash',
  'secret_hash',
  'mfaRecoveryHashes',
  'mfa_recovery_hashes',
];

describe('personal data: export and erasure (KVKK / GDPR)', () => {
  let t: TestApp;
  let admin: SignedIn;
  let adminId: string;

  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  async function userRow(id: string): Promise<UserRowView> {
    const [row] = await t.ownerQuery<UserRowView>(
      'SELECT email, email_key, name, status, password_hash, phone, locale, mfa_secret, mfa_enabled_at FROM users WHERE id = $1',
      [id],
    );
    if (!row) throw new Error(`no user ${id}`);
    return row;
  }

  async function messagesTo(recipient: string): Promise<number> {
    const [row] = await t.ownerQuery<{ n: string }>(
      'SELECT count(*) AS n FROM outbound_messages WHERE recipient = $1',
      [recipient],
    );
    return Number(row!.n);
  }

  async function register(email: string, name: string, extra: Record<string, unknown> = {}) {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: PASSWORD, name, ...extra },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; status: string; email: string };
  }

  function login(email: string, password = PASSWORD) {
    return t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  }

  function refresh(refreshToken: string) {
    return t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
  }

  function expectNoSecrets(body: string) {
    for (const marker of SECRET_MARKERS) expect(body, marker).not.toContain(marker);
  }

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    adminId = ((await call('GET', '/me')).json() as { id: string }).id;
  });
  afterAll(() => t?.close());

  describe('a customer managing their own data', () => {
    const EMAIL = 'zeynep.arslan@ornek.com.tr';
    let userId: string;
    let first: SignedIn;
    let second: SignedIn;

    beforeAll(async () => {
      const created = await register(EMAIL, 'Zeynep Arslan', { phone: '+90 555 123 45 67', locale: 'tr-TR' });
      userId = created.id;
      expect(created.status).toBe('active');
      first = await signIn(t.app, EMAIL, PASSWORD);
      // A second device: a second session, and a new-device email.
      second = await signIn(t.app, EMAIL, PASSWORD, { headers: { 'user-agent': 'Telefon/1.0' } });
      expect(await lastMessage(t, 'identity.new_device', EMAIL)).toBeDefined();
    });

    it('exports the profile, sessions, messages and audit entries, and no secrets', async () => {
      const verification = await lastMessage(t, 'identity.verify_email', EMAIL);
      const response = await call('GET', '/me/data-export', { auth: first });
      expect(response.statusCode, response.body).toBe(200);
      const data = response.json() as Export;

      expect(new Date(data.exportedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(data.user).toMatchObject({
        id: userId,
        email: EMAIL,
        name: 'Zeynep Arslan',
        kind: 'customer',
        phone: '+90 555 123 45 67',
        tenantId: await t.tenantId('demo'),
      });
      expect(data.sessions.map((s) => s.id).sort()).toEqual([first.sessionId, second.sessionId].sort());
      expect(data.sessions.map((s) => s.userAgent)).toContain('Telefon/1.0');
      expect(data.messages.map((m) => m.template).sort()).toEqual([
        'identity.new_device',
        'identity.verify_email',
      ]);
      const actions = data.auditLog.map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['user.created', 'auth.registered', 'auth.login']));
      expect(data.auditLog.every((a) => a.entityId === userId || a.actorId === userId)).toBe(true);

      expectNoSecrets(response.body);
      for (const secret of [
        first.refreshToken,
        second.refreshToken,
        first.accessToken,
        verification!.data.token!,
      ]) {
        expect(response.body).not.toContain(secret);
      }
      // Exporting is itself recorded.
      const [audit] = await t.ownerQuery(
        "SELECT 1 FROM audit_logs WHERE action = 'privacy.data_exported' AND entity_id = $1",
        [userId],
      );
      expect(audit).toBeDefined();
    });

    it('needs a signed-in user', async () => {
      expectProblem(await call('GET', '/me/data-export', { auth: null }), 401, 'auth.unauthenticated');
      expectProblem(
        await call('POST', '/me/erase', { auth: null, payload: { password: PASSWORD } }),
        401,
        'auth.unauthenticated',
      );
    });

    it('refuses erasure with the wrong password and changes nothing', async () => {
      const before = await userRow(userId);
      const messagesBefore = await messagesTo(EMAIL);
      for (const payload of [{ password: 'Yanlış-Şifre-2024' }, { password: PASSWORD.toLowerCase() }]) {
        expectProblem(
          await call('POST', '/me/erase', { auth: first, payload }),
          403,
          'auth.confirmation_failed',
        );
      }
      expect((await call('POST', '/me/erase', { auth: first, payload: {} })).statusCode).toBe(400);
      expect(
        (await call('POST', '/me/erase', { auth: first, payload: { password: PASSWORD, force: true } }))
          .statusCode,
      ).toBe(400);

      expect(await userRow(userId)).toEqual(before);
      expect(await messagesTo(EMAIL)).toBe(messagesBefore);
      expect((await call('GET', '/me', { auth: first })).statusCode).toBe(200);
      const refreshed = await refresh(first.refreshToken);
      expect(refreshed.statusCode).toBe(200);
      first = { ...first, ...(refreshed.json() as { accessToken: string; refreshToken: string }) };
      first.auth = { authorization: `Bearer ${first.accessToken}` };
      const [erased] = await t.ownerQuery(
        "SELECT 1 FROM audit_logs WHERE action = 'privacy.erased' AND entity_id = $1",
        [userId],
      );
      expect(erased).toBeUndefined();
    });

    it('erases with the right password: personal data, sessions and messages go; an audit row stays', async () => {
      expect(await messagesTo(EMAIL)).toBeGreaterThan(0);
      const response = await call('POST', '/me/erase', { auth: first, payload: { password: PASSWORD } });
      expect(response.statusCode, response.body).toBe(204);

      const row = await userRow(userId);
      expect(row.email).toMatch(/^erased-.+@erased\.invalid$/);
      expect(row.email).toBe(`erased-${userId}@erased.invalid`);
      expect(row.email_key).not.toContain('zeynep');
      expect(row.status).toBe('erased');
      expect(row.password_hash).toBeNull();
      expect(row.name).not.toContain('Zeynep');
      expect(row.phone).toBeNull();
      expect(row.locale).toBeNull();

      const sessions = await t.ownerQuery<{
        revoked_at: Date | null;
        ip: string | null;
        user_agent: string | null;
      }>('SELECT revoked_at, ip, user_agent FROM auth_sessions WHERE user_id = $1', [userId]);
      expect(sessions).toHaveLength(2);
      for (const session of sessions) {
        expect(session.revoked_at).not.toBeNull();
        expect(session.ip).toBeNull();
        expect(session.user_agent).toBeNull();
      }
      expectProblem(await refresh(first.refreshToken), 401, 'auth.invalid_refresh_token');
      expectProblem(await refresh(second.refreshToken), 401, 'auth.invalid_refresh_token');
      expect((await call('GET', '/me', { auth: first })).statusCode).not.toBe(200);

      expectProblem(await login(EMAIL), 401, 'auth.invalid_credentials');
      expect(await messagesTo(EMAIL)).toBe(0);

      const audit = await t.ownerQuery<{ actor_id: string }>(
        "SELECT actor_id FROM audit_logs WHERE action = 'privacy.erased' AND entity_id = $1",
        [userId],
      );
      expect(audit).toEqual([{ actor_id: userId }]);

      // Staff no longer see the person.
      const list = (await call('GET', '/users?q=zeynep')).json() as { items: unknown[] };
      expect(list.items).toEqual([]);
      expectProblem(await call('GET', `/users/${userId}`), 404, 'users.not_found');
      expectProblem(await call('GET', `/users/${userId}/data-export`), 404, 'users.not_found');
    });

    it('lets the same email register again afterwards, as a new account', async () => {
      const again = await register(EMAIL, 'Zeynep Arslan');
      expect(again.id).not.toBe(userId);
      expect(again.email).toBe(EMAIL);
      await signIn(t.app, EMAIL, PASSWORD);
      // The erased record is untouched by the new account.
      expect((await userRow(userId)).status).toBe('erased');
    });
  });

  describe('erasure with two-factor authentication on', () => {
    it('needs the second factor as well, and never exports the secret or recovery codes', async () => {
      const EMAIL = 'iki.adim@ornek.com.tr';
      const { id } = await register(EMAIL, 'İki Adım');
      const session = await signIn(t.app, EMAIL, PASSWORD);
      const setup = await call('POST', '/me/2fa/setup', { auth: session });
      expect(setup.statusCode, setup.body).toBe(200);
      const { secret } = setup.json() as { secret: string };
      const enabled = await call('POST', '/me/2fa/enable', {
        auth: session,
        payload: { code: totpCode(secret) },
      });
      expect(enabled.statusCode, enabled.body).toBe(200);
      const { recoveryCodes } = enabled.json() as { recoveryCodes: string[] };

      const exported = await call('GET', '/me/data-export', { auth: session });
      expect(exported.statusCode).toBe(200);
      expect((exported.json() as Export).user).toMatchObject({ id, mfaEnabled: true });
      expectNoSecrets(exported.body);
      expect(exported.body).not.toContain(secret);
      for (const code of recoveryCodes) expect(exported.body).not.toContain(code);

      expectProblem(
        await call('POST', '/me/erase', { auth: session, payload: { password: PASSWORD } }),
        403,
        'auth.confirmation_failed',
      );
      expectProblem(
        await call('POST', '/me/erase', {
          auth: session,
          payload: { password: 'Yanlış-Şifre-2024', code: recoveryCodes[0] },
        }),
        403,
        'auth.confirmation_failed',
      );
      expect((await userRow(id)).status).toBe('active');

      const erased = await call('POST', '/me/erase', {
        auth: session,
        payload: { password: PASSWORD, code: recoveryCodes[0] },
      });
      expect(erased.statusCode, erased.body).toBe(204);
      const row = await userRow(id);
      expect(row).toMatchObject({
        status: 'erased',
        mfa_secret: null,
        mfa_enabled_at: null,
        password_hash: null,
      });
    });
  });

  describe('staff handling requests about others', () => {
    let contentSession: SignedIn;
    let salesSession: SignedIn;

    beforeAll(async () => {
      await makeUser(t, {
        email: 'icerik@ornek.com.tr',
        password: PASSWORD,
        name: 'İçerik',
        roles: ['content_manager'],
      });
      await makeUser(t, {
        email: 'satis@ornek.com.tr',
        password: PASSWORD,
        name: 'Satış',
        roles: ['sales_manager'],
      });
      contentSession = await signIn(t.app, 'icerik@ornek.com.tr', PASSWORD);
      salesSession = await signIn(t.app, 'satis@ornek.com.tr', PASSWORD);
    });

    it('lets a super_admin export a customer’s data', async () => {
      const customer = await register('mehmet.oz@ornek.com.tr', 'Mehmet Öz');
      await signIn(t.app, 'mehmet.oz@ornek.com.tr', PASSWORD);
      const response = await call('GET', `/users/${customer.id}/data-export`);
      expect(response.statusCode, response.body).toBe(200);
      const data = response.json() as Export;
      expect(data.user).toMatchObject({
        id: customer.id,
        email: 'mehmet.oz@ornek.com.tr',
        name: 'Mehmet Öz',
      });
      expect(data.sessions).toHaveLength(1);
      expect(data.messages.map((m) => m.template)).toContain('identity.verify_email');
      expectNoSecrets(response.body);
      const [audit] = await t.ownerQuery<{ actor_id: string }>(
        "SELECT actor_id FROM audit_logs WHERE action = 'privacy.data_exported' AND entity_id = $1",
        [customer.id],
      );
      expect(audit).toEqual({ actor_id: adminId });
    });

    it('refuses staff without customers.edit, and customers, with 403', async () => {
      const customer = await register('gizli.musteri@ornek.com.tr', 'Gizli Müşteri');
      const dealer = await signIn(t.app, 'gizli.musteri@ornek.com.tr', PASSWORD);
      const other = await register('komsu.bayi@ornek.com.tr', 'Komşu Bayi');
      const before = await userRow(customer.id);

      expectProblem(
        await call('GET', `/users/${customer.id}/data-export`, { auth: contentSession }),
        403,
        'auth.forbidden',
      );
      expectProblem(
        await call('POST', `/users/${customer.id}/erase`, { auth: contentSession }),
        403,
        'auth.forbidden',
      );
      // A customer holds customers.edit for their own company, but this is staff work.
      expectProblem(
        await call('GET', `/users/${other.id}/data-export`, { auth: dealer }),
        403,
        'auth.forbidden',
      );
      expectProblem(await call('POST', `/users/${other.id}/erase`, { auth: dealer }), 403, 'auth.forbidden');
      expectProblem(
        await call('POST', `/users/${customer.id}/erase`, { auth: null }),
        401,
        'auth.unauthenticated',
      );

      expect(await userRow(customer.id)).toEqual(before);
      expect((await userRow(other.id)).status).toBe('active');
      expect(await messagesTo('gizli.musteri@ornek.com.tr')).toBeGreaterThan(0);
    });

    it('lets staff with customers.edit erase a customer, who can then register again', async () => {
      const EMAIL = 'ayse.demir@ornek.com.tr';
      const customer = await register(EMAIL, 'Ayşe Demir');
      const session = await signIn(t.app, EMAIL, PASSWORD);

      const exported = await call('GET', `/users/${customer.id}/data-export`, { auth: salesSession });
      expect(exported.statusCode, exported.body).toBe(200);
      const erased = await call('POST', `/users/${customer.id}/erase`, { auth: salesSession });
      expect(erased.statusCode, erased.body).toBe(204);

      const row = await userRow(customer.id);
      expect(row.email).toBe(`erased-${customer.id}@erased.invalid`);
      expect(row).toMatchObject({ status: 'erased', password_hash: null });
      expect(row.name).not.toContain('Ayşe');
      expect(await messagesTo(EMAIL)).toBe(0);
      expectProblem(await refresh(session.refreshToken), 401, 'auth.invalid_refresh_token');
      expectProblem(await login(EMAIL), 401, 'auth.invalid_credentials');
      const [salesId] = await t.ownerQuery<{ id: string }>(
        "SELECT id FROM users WHERE email_key = 'satis@ornek.com.tr'",
      );
      const audit = await t.ownerQuery<{ actor_id: string }>(
        "SELECT actor_id FROM audit_logs WHERE action = 'privacy.erased' AND entity_id = $1",
        [customer.id],
      );
      expect(audit).toEqual([{ actor_id: salesId!.id }]);

      // Erasing twice finds nobody.
      expectProblem(await call('POST', `/users/${customer.id}/erase`), 404, 'users.not_found');

      const again = await register(EMAIL, 'Ayşe Demir');
      expect(again.id).not.toBe(customer.id);
      await signIn(t.app, EMAIL, PASSWORD);
    });

    it('needs users.manage to export or erase a staff user', async () => {
      const staff = await makeUser(t, {
        email: 'eski.personel@ornek.com.tr',
        password: PASSWORD,
        name: 'Eski Personel',
        roles: ['customer_service'],
      });
      const session = await signIn(t.app, 'eski.personel@ornek.com.tr', PASSWORD);

      // customers.edit is not enough for staff.
      expectProblem(
        await call('GET', `/users/${staff.id}/data-export`, { auth: salesSession }),
        403,
        'auth.forbidden',
      );
      expectProblem(
        await call('POST', `/users/${staff.id}/erase`, { auth: salesSession }),
        403,
        'auth.forbidden',
      );
      expectProblem(
        await call('POST', `/users/${staff.id}/erase`, { auth: contentSession }),
        403,
        'auth.forbidden',
      );
      expect((await userRow(staff.id)).status).toBe('active');

      const exported = await call('GET', `/users/${staff.id}/data-export`);
      expect(exported.statusCode).toBe(200);
      expect((exported.json() as Export).user).toMatchObject({
        email: 'eski.personel@ornek.com.tr',
        kind: 'staff',
      });

      const erased = await call('POST', `/users/${staff.id}/erase`);
      expect(erased.statusCode, erased.body).toBe(204);
      expect(await userRow(staff.id)).toMatchObject({
        email: `erased-${staff.id}@erased.invalid`,
        status: 'erased',
        password_hash: null,
      });
      expectProblem(await refresh(session.refreshToken), 401, 'auth.invalid_refresh_token');
      expectProblem(await login('eski.personel@ornek.com.tr'), 401, 'auth.invalid_credentials');
    });

    it('leaves no role held by an erased user, so the role can be deleted', async () => {
      const role = await t.app.inject({
        method: 'POST',
        url: '/api/v1/roles',
        headers: admin.auth,
        payload: {
          key: 'gecici_denetci',
          name: 'Geçici Denetçi',
          audience: 'staff',
          permissions: ['audit.view'],
        },
      });
      expect(role.statusCode).toBe(201);
      const roleId = (role.json() as { id: string }).id;
      const holder = await makeUser(t, {
        email: 'gecici@ornek.com.tr',
        password: PASSWORD,
        name: 'Geçici Kişi',
        roles: ['gecici_denetci'],
      });
      expect((await call('POST', `/users/${holder.id}/erase`)).statusCode).toBe(204);

      // The erased record cannot be edited any more, so it must not keep the role in use.
      expectProblem(
        await t.app.inject({
          method: 'PUT',
          url: `/api/v1/users/${holder.id}/roles`,
          headers: admin.auth,
          payload: { roles: [] },
        }),
        404,
        'users.not_found',
      );
      const remove = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/roles/${roleId}`,
        headers: admin.auth,
      });
      expect(remove.statusCode, remove.body).toBe(204);
    });

    it('answers unknown and malformed ids with 404 and 400', async () => {
      expectProblem(
        await call('GET', '/users/0190f5a2-0000-7000-8000-000000000000/data-export'),
        404,
        'users.not_found',
      );
      expectProblem(
        await call('POST', '/users/0190f5a2-0000-7000-8000-000000000000/erase'),
        404,
        'users.not_found',
      );
      expect((await call('POST', "/users/x'--/erase")).statusCode).toBe(400);
      // The platform administrator is not a user of the tenant.
      const [platformAdmin] = await t.ownerQuery<{ id: string }>(
        "SELECT id FROM users WHERE kind = 'platform'",
      );
      expectProblem(await call('POST', `/users/${platformAdmin!.id}/erase`), 404, 'users.not_found');
      const [row] = await t.ownerQuery<{ status: string }>('SELECT status FROM users WHERE id = $1', [
        platformAdmin!.id,
      ]);
      expect(row!.status).toBe('active');
    });
  });
});
