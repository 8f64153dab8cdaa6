import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { expectProblem } from '../../../test/http.js';
import {
  BOOTSTRAP_ADMIN,
  lastMessage,
  makeUser,
  signIn,
  waitForJobs,
  waitForMessage,
} from '../../../test/identity.js';
import { slowdownFor } from './auth.service.js';

const PASSWORD = 'Kırmızı-Kutu-77';

describe('sign-up, sign-in and sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ workers: true });
  });
  afterAll(() => t?.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers });
  const userCount = async () =>
    (await t.ownerQuery<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0]!.n;

  describe('register', () => {
    it('creates a customer who can sign in at once, and sends a verification email', async () => {
      const response = await post('/api/v1/auth/register', {
        email: 'Ayşe.Yılmaz@Örnek.com.tr',
        password: PASSWORD,
        name: 'Ayşe Yılmaz',
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        kind: 'customer',
        name: 'Ayşe Yılmaz',
        status: 'active',
        emailVerified: false,
        // No role until the user belongs to a customer account: its own profile is all it may change.
        roles: [],
      });
      expect(response.body).not.toContain('argon2');
      const message = await lastMessage(t, 'identity.verify_email', 'Ayşe.Yılmaz@Örnek.com.tr');
      expect(message?.data.token).toBeTruthy();
      const session = await signIn(t.app, 'ayşe.yilmaz@örnek.com.tr', PASSWORD);
      expect(session.accessToken.split('.')).toHaveLength(3);
    });

    it('refuses a taken email, whatever its case', async () => {
      const response = await post('/api/v1/auth/register', {
        email: 'AYŞE.YILMAZ@ÖRNEK.COM.TR',
        password: PASSWORD,
        name: 'Again',
      });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ code: 'users.email_taken', field: 'email' });
    });

    it.each([
      ['too short', 'Kısa-1', 'request.validation_failed'],
      ['among the most common', 'password123', 'auth.weak_password'],
      ['containing the email', 'mehmet.kaya2024!', 'auth.weak_password'],
    ])('refuses a password %s and stores nothing', async (_why, password, code) => {
      const before = await userCount();
      const response = await post('/api/v1/auth/register', {
        email: 'mehmet.kaya@ornek.com.tr',
        password,
        name: 'Mehmet',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code });
      expect(await userCount()).toBe(before);
    });

    it('rejects 10 KB and SQL-looking values in every field with 400, storing nothing', async () => {
      const before = await userCount();
      const huge = 'ş'.repeat(10_000);
      for (const payload of [
        { email: `${huge}@x.com`, password: PASSWORD, name: 'A' },
        { email: 'big@ornek.com', password: huge, name: 'A' },
        { email: 'big@ornek.com', password: PASSWORD, name: huge },
        { email: "x'); DROP TABLE users;--", password: PASSWORD, name: 'A' },
        { email: 'ok@ornek.com', password: PASSWORD, name: 'A', locale: "tr'; --" },
        { email: 'ok@ornek.com', password: PASSWORD, name: 'A', isAdmin: true },
      ]) {
        const response = await post('/api/v1/auth/register', payload);
        expect(response.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      }
      expect(await userCount()).toBe(before);
    });
  });

  describe('login', () => {
    it('returns tokens and the user', async () => {
      const response = await post('/api/v1/auth/login', {
        email: BOOTSTRAP_ADMIN.email,
        password: BOOTSTRAP_ADMIN.password,
      });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, mfaSetupRequired: false });
      expect(body.user).toMatchObject({
        email: BOOTSTRAP_ADMIN.email,
        kind: 'staff',
        roles: ['super_admin'],
      });
      expect(typeof body.refreshToken).toBe('string');
    });

    it('answers a wrong password and an unknown email alike, in about the same time', async () => {
      const attempt = async (email: string) => {
        const started = process.hrtime.bigint();
        const response = await post('/api/v1/auth/login', { email, password: 'Yanlis-Sifre-123' });
        return { response, ms: Number(process.hrtime.bigint() - started) / 1e6 };
      };
      const wrong: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = await attempt('admin@carsi.test');
        const b = await attempt(`nobody${i}@carsi.test`);
        expect(a.response.statusCode).toBe(401);
        expect(b.response.statusCode).toBe(401);
        const { requestId: _a, ...first } = a.response.json();
        const { requestId: _b, ...second } = b.response.json();
        expect(first).toEqual(second);
        wrong.push(a.ms);
        unknown.push(b.ms);
      }
      // Both verify a password hash (the unknown email against a dummy), so neither is several times faster.
      const median = (xs: number[]) => xs.sort((x, y) => x - y)[1]!;
      expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.4);
    });

    it('locks an account after 10 failures without saying so, and audits it', async () => {
      await makeUser(t, {
        email: 'kilitli@ornek.com',
        password: PASSWORD,
        roles: ['viewer'],
        kind: 'customer',
      });
      for (let i = 0; i < 10; i++) {
        const response = await post('/api/v1/auth/login', {
          email: 'kilitli@ornek.com',
          password: `Wrong-${i}-password`,
        });
        expect(response.statusCode).toBe(401);
      }
      const locked = await post('/api/v1/auth/login', { email: 'kilitli@ornek.com', password: PASSWORD });
      expect(locked.statusCode).toBe(401);
      expect(locked.json()).toMatchObject({ code: 'auth.invalid_credentials' });
      const actions = await t.ownerQuery<{ action: string }>(
        `SELECT action FROM audit_logs WHERE action IN ('auth.account_locked', 'auth.login_blocked')`,
      );
      expect(actions.map((a) => a.action).sort()).toEqual(['auth.account_locked', 'auth.login_blocked']);
    });

    it('slows down, but never refuses, the right password from an address with many failures', async () => {
      expect([0, 49, 50, 51, 70, 1_000].map(slowdownFor)).toEqual([0, 0, 250, 500, 5_000, 5_000]);
      await makeUser(t, { email: 'ofis@ornek.com', password: PASSWORD, kind: 'customer' });
      const tenantId = await t.tenantId('demo');
      // Exactly 55 failures from this address, on other accounts: one person behind a shared address.
      await t.ownerQuery(`DELETE FROM login_failures WHERE ip = '127.0.0.1'`);
      await t.ownerQuery(
        `INSERT INTO login_failures (tenant_id, id, email_key, ip)
         SELECT $1, gen_random_uuid(), 'baska' || n || '@ornek.com', '127.0.0.1' FROM generate_series(1, 55) n`,
        [tenantId],
      );
      try {
        const response = await post('/api/v1/auth/login', { email: 'ofis@ornek.com', password: PASSWORD });
        expect(response.statusCode, response.body).toBe(200);
        const [entry] = await t.ownerQuery<{ after: { delayedMs?: number } }>(
          `SELECT after FROM audit_logs WHERE action = 'auth.login' AND entity_id = (SELECT id::text FROM users WHERE email = 'ofis@ornek.com')`,
        );
        expect(entry?.after.delayedMs).toBe(1_500);
      } finally {
        await t.ownerQuery(`DELETE FROM login_failures WHERE email_key LIKE 'baska%'`);
      }
    });

    it('emails the user about a sign-in from a new device', async () => {
      await makeUser(t, {
        email: 'cihaz@ornek.com',
        password: PASSWORD,
        roles: ['viewer'],
        kind: 'customer',
      });
      await signIn(t.app, 'cihaz@ornek.com', PASSWORD, { headers: { 'user-agent': 'Browser A' } });
      await signIn(t.app, 'cihaz@ornek.com', PASSWORD, { headers: { 'user-agent': 'Browser A' } });
      expect(await lastMessage(t, 'identity.new_device', 'cihaz@ornek.com')).toBeUndefined();
      await signIn(t.app, 'cihaz@ornek.com', PASSWORD, { headers: { 'user-agent': 'Browser B' } });
      expect(await lastMessage(t, 'identity.new_device', 'cihaz@ornek.com')).toBeDefined();
    });
  });

  describe('access tokens', () => {
    it('authenticates GET /me and reports roles and permissions', async () => {
      const { auth } = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ email: BOOTSTRAP_ADMIN.email, roles: ['super_admin'] });
      expect(me.json().permissions).toContain('users.manage');
    });

    it('answers a missing, malformed, tampered, foreign or expired token with 401', async () => {
      const { accessToken } = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
      const tampered = `${accessToken.slice(0, -3)}${accessToken.endsWith('a') ? 'b' : 'a'}xx`;
      const foreign = createSigner({ key: 'someone-elses-secret-someone-elses-secret', kid: 'x' })({
        sub: 'u',
      });
      const expired = createSigner({ key: t.runtime.config.jwtSecret, algorithm: 'HS256', iss: 'carsi' })({
        sub: 'u',
        knd: 'staff',
        sid: 's',
        rls: [],
        tid: null,
        exp: Math.floor(Date.now() / 1000) - 60,
      });
      const cases: [Record<string, string>, string][] = [
        [{}, 'auth.unauthenticated'],
        [{ authorization: 'Bearer not.a.token' }, 'auth.invalid_token'],
        [{ authorization: 'Basic YWRtaW46YWRtaW4=' }, 'auth.invalid_token'],
        [{ authorization: `Bearer ${tampered}` }, 'auth.invalid_token'],
        [{ authorization: `Bearer ${foreign}` }, 'auth.invalid_token'],
        [{ authorization: `Bearer ${expired}` }, 'auth.invalid_token'],
      ];
      for (const [headers, code] of cases) {
        const response = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers });
        expect(response.statusCode, code).toBe(401);
        expect(response.json().code).toBe(code);
      }
    });

    it('refuses a token of one tenant sent with X-Tenant naming another', async () => {
      const platform = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, {
        platform: true,
      });
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/platform/tenants',
        headers: platform.auth,
        payload: {
          slug: 'baska-kiraci',
          name: 'Başka Kiracı',
          owner: { email: 'sahip@baska-kiraci.com.tr', password: PASSWORD },
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const { auth } = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
      const mismatch = await t.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { ...auth, 'x-tenant': 'baska-kiraci' },
      });
      expect(mismatch.statusCode).toBe(401);
      expect(mismatch.json().code).toBe('auth.tenant_mismatch');
      const same = await t.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { ...auth, 'x-tenant': 'demo' },
      });
      expect(same.statusCode).toBe(200);
    });

    it('forbids a customer user from staff routes', async () => {
      await makeUser(t, {
        email: 'bayi@ornek.com',
        password: PASSWORD,
        roles: ['dealer_owner'],
        kind: 'customer',
      });
      const { auth } = await signIn(t.app, 'bayi@ornek.com', PASSWORD);
      for (const url of [
        '/api/v1/users',
        '/api/v1/audit-logs',
        '/api/v1/api-keys',
        '/api/v1/admin/outbound-messages',
      ]) {
        const response = await t.app.inject({ method: 'GET', url, headers: auth });
        expect(response.statusCode, url).toBe(403);
        expect(response.json().code).toBe('auth.forbidden');
      }
    });
  });

  describe('refresh tokens', () => {
    it('rotate on every use; a reused one revokes the whole session and is audited', async () => {
      const first = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
      const second = await post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
      expect(second.statusCode).toBe(200);
      const rotated = second.json();
      expect(rotated.refreshToken).not.toBe(first.refreshToken);
      expect(rotated.sessionId).toBe(first.sessionId);

      const replay = await post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toMatchObject({ code: 'auth.invalid_refresh_token', reason: 'reused' });
      // The thief's copy and the owner's alike: the newest token of the family no longer works either.
      const after = await post('/api/v1/auth/refresh', { refreshToken: rotated.refreshToken });
      expect(after.statusCode).toBe(401);
      const audit = await t.ownerQuery(
        `SELECT 1 FROM audit_logs WHERE action = 'auth.refresh_reused' AND entity_id = $1`,
        [first.sessionId],
      );
      expect(audit).toHaveLength(1);
    });

    it('let exactly one of two concurrent refreshes with the same token through', async () => {
      const session = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
      const results = await Promise.all(
        [1, 2, 3].map(() => post('/api/v1/auth/refresh', { refreshToken: session.refreshToken })),
      );
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    });

    it('stop working after logout, and logout-all ends every session', async () => {
      const a = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
      const b = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
      expect((await post('/api/v1/auth/logout', {}, a.auth)).statusCode).toBe(204);
      expect((await post('/api/v1/auth/refresh', { refreshToken: a.refreshToken })).statusCode).toBe(401);
      expect((await post('/api/v1/auth/refresh', { refreshToken: b.refreshToken })).statusCode).toBe(200);
      const all = await post('/api/v1/auth/logout-all', {}, b.auth);
      expect(all.statusCode).toBe(200);
      expect(all.json().sessionsEnded).toBeGreaterThanOrEqual(1);
      // The access token of the ended session stops at once, not when it expires.
      const sessions = await t.app.inject({ method: 'GET', url: '/api/v1/me/sessions', headers: b.auth });
      expectProblem(sessions, 401, 'auth.session_ended');
      const fresh = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
      const listed = await t.app.inject({ method: 'GET', url: '/api/v1/me/sessions', headers: fresh.auth });
      expect(listed.json().items.map((s: { id: string }) => s.id)).toEqual([fresh.sessionId]);
    });

    it('are refused for unknown or malformed values', async () => {
      expect((await post('/api/v1/auth/refresh', { refreshToken: 'nope' })).statusCode).toBe(401);
      expect((await post('/api/v1/auth/refresh', {})).statusCode).toBe(401);
      expect((await post('/api/v1/auth/refresh', { refreshToken: 'x'.repeat(5000) })).statusCode).toBe(400);
    });
  });

  describe('cookie mode', () => {
    it('sets httpOnly cookies and requires the CSRF header on state-changing requests', async () => {
      const login = await post('/api/v1/auth/login?mode=cookie', {
        email: BOOTSTRAP_ADMIN.email,
        password: BOOTSTRAP_ADMIN.password,
      });
      expect(login.statusCode).toBe(200);
      expect(login.json().accessToken).toBeUndefined();
      const cookies = Object.fromEntries(login.cookies.map((c) => [c.name, c]));
      expect(cookies['carsi_access']).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      expect(cookies['carsi_refresh']).toMatchObject({ httpOnly: true, path: '/api/v1/auth' });
      expect(cookies['carsi_csrf']?.httpOnly).toBeFalsy();
      expect(login.json().csrfToken).toBe(cookies['carsi_csrf']?.value);

      const jar = { carsi_access: cookies['carsi_access']!.value, carsi_csrf: cookies['carsi_csrf']!.value };
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', cookies: jar });
      expect(me.statusCode).toBe(200);

      const patch = (headers: Record<string, string>) =>
        t.app.inject({
          method: 'PATCH',
          url: '/api/v1/me',
          cookies: jar,
          headers,
          payload: { name: 'Çerez Admin' },
        });
      const noCsrf = await patch({});
      expect(noCsrf.statusCode).toBe(403);
      expect(noCsrf.json().code).toBe('auth.csrf');
      expect((await patch({ 'x-csrf-token': 'forged' })).statusCode).toBe(403);
      expect((await patch({ 'x-csrf-token': jar.carsi_csrf })).statusCode).toBe(200);

      const refresh = (headers: Record<string, string>) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          cookies: { carsi_refresh: cookies['carsi_refresh']!.value, carsi_csrf: jar.carsi_csrf },
          headers,
        });
      expect((await refresh({})).statusCode).toBe(403);
      const refreshed = await refresh({ 'x-csrf-token': jar.carsi_csrf });
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.cookies.map((c) => c.name).sort()).toEqual([
        'carsi_access',
        'carsi_csrf',
        'carsi_refresh',
      ]);
    });
  });

  describe('password reset and email verification', () => {
    it('answers forgot-password with 202 whether or not the account exists, and mails only real accounts', async () => {
      await makeUser(t, {
        email: 'unuttum@ornek.com',
        password: PASSWORD,
        roles: ['viewer'],
        kind: 'customer',
      });
      const answers = [];
      for (const email of ['unuttum@ornek.com', 'yok@ornek.com']) {
        const response = await post('/api/v1/auth/forgot-password', { email });
        expect(response.statusCode).toBe(202);
        answers.push(response.json());
      }
      // The same answer, after the same work (a job enqueued): the lookup happens in the job.
      expect(answers).toEqual([{ accepted: true }, { accepted: true }]);
      await waitForJobs(t, 'identity.password-reset', 2);
      expect(await lastMessage(t, 'identity.reset_password', 'yok@ornek.com')).toBeUndefined();
      expect((await lastMessage(t, 'identity.reset_password', 'unuttum@ornek.com'))?.data.token).toBeTruthy();
    });

    it('resets the password once with the emailed token and ends every session', async () => {
      const session = await signIn(t.app, 'unuttum@ornek.com', PASSWORD);
      const token = (await lastMessage(t, 'identity.reset_password', 'unuttum@ornek.com'))!.data.token!;
      const weak = await post('/api/v1/auth/reset-password', { token, password: 'qwertyuiop' });
      expect(weak.statusCode).toBe(400);
      const ok = await post('/api/v1/auth/reset-password', { token, password: 'Yeni-Sifre-2024' });
      expect(ok.statusCode).toBe(204);
      expect(
        (await post('/api/v1/auth/reset-password', { token, password: 'Baska-Sifre-2024' })).statusCode,
      ).toBe(400);
      expect((await post('/api/v1/auth/refresh', { refreshToken: session.refreshToken })).statusCode).toBe(
        401,
      );
      await signIn(t.app, 'unuttum@ornek.com', 'Yeni-Sifre-2024');
      expect(
        (await post('/api/v1/auth/login', { email: 'unuttum@ornek.com', password: PASSWORD })).statusCode,
      ).toBe(401);
    });

    it('holds sign-in until the email is verified when the tenant requires it', async () => {
      const platform = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, {
        platform: true,
      });
      const demoId = await t.tenantId('demo');
      const setting = (value: boolean) =>
        t.app.inject({
          method: 'PATCH',
          url: `/api/v1/platform/tenants/${demoId}`,
          headers: platform.auth,
          payload: { settings: { auth: { requireEmailVerification: value } } },
        });
      expect((await setting(true)).statusCode).toBe(200);
      try {
        const email = 'dogrula@ornek.com';
        const registered = await post('/api/v1/auth/register', {
          email,
          password: PASSWORD,
          name: 'Doğrula',
        });
        expect(registered.statusCode).toBe(202);
        expect(registered.json()).toEqual({ accepted: true });
        await waitForMessage(t, 'identity.verify_email', email);
        const early = await post('/api/v1/auth/login', { email, password: PASSWORD });
        expect(early.statusCode).toBe(403);
        expect(early.json().code).toBe('auth.email_not_verified');

        // A taken address (in any case, Turkish İ included) is answered exactly as a new one; its
        // owner is told, and no second account appears.
        await makeUser(t, { email: 'bilgi@ornek.com', password: PASSWORD, kind: 'customer' });
        const users = await userCount();
        for (const taken of ['DOGRULA@ORNEK.COM', 'unuttum@ornek.com', 'BİLGİ@ORNEK.COM']) {
          const again = await post('/api/v1/auth/register', {
            email: taken,
            password: PASSWORD,
            name: 'Yine',
          });
          expect(again.statusCode).toBe(202);
          expect(again.json()).toEqual({ accepted: true });
        }
        await waitForJobs(t, 'identity.registration', 4);
        expect(await userCount()).toBe(users);
        expect(await lastMessage(t, 'identity.registration_attempt', 'dogrula@ornek.com')).toBeTruthy();
        expect(await lastMessage(t, 'identity.registration_attempt', 'unuttum@ornek.com')).toBeTruthy();
        expect(await lastMessage(t, 'identity.registration_attempt', 'bilgi@ornek.com')).toBeTruthy();

        expect((await post('/api/v1/auth/resend-verification', { email })).statusCode).toBe(202);
        await waitForJobs(t, 'identity.verification-resend', 1);
        const token = (await lastMessage(t, 'identity.verify_email', email))!.data.token!;
        expect((await post('/api/v1/auth/verify-email', { token })).statusCode).toBe(204);
        expect((await post('/api/v1/auth/verify-email', { token })).statusCode).toBe(400);
        await signIn(t.app, email, PASSWORD);
      } finally {
        await setting(false);
      }
    });
  });

  describe('me', () => {
    it('changes the password with the current one and ends the other sessions only', async () => {
      await makeUser(t, {
        email: 'degistir@ornek.com',
        password: PASSWORD,
        roles: ['viewer'],
        kind: 'customer',
      });
      const other = await signIn(t.app, 'degistir@ornek.com', PASSWORD);
      const current = await signIn(t.app, 'degistir@ornek.com', PASSWORD);
      const wrong = await post(
        '/api/v1/me/password',
        { currentPassword: 'Not-The-One-1', newPassword: 'Mavi-Kutu-2025' },
        current.auth,
      );
      expect(wrong.statusCode).toBe(403);
      const ok = await post(
        '/api/v1/me/password',
        { currentPassword: PASSWORD, newPassword: 'Mavi-Kutu-2025' },
        current.auth,
      );
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ sessionsEnded: 1 });
      expect((await post('/api/v1/auth/refresh', { refreshToken: other.refreshToken })).statusCode).toBe(401);
      expect((await post('/api/v1/auth/refresh', { refreshToken: current.refreshToken })).statusCode).toBe(
        200,
      );
    });

    it('lists sessions with the current one marked, and ends one by id', async () => {
      await makeUser(t, {
        email: 'oturum@ornek.com',
        password: PASSWORD,
        roles: ['viewer'],
        kind: 'customer',
      });
      const a = await signIn(t.app, 'oturum@ornek.com', PASSWORD);
      const b = await signIn(t.app, 'oturum@ornek.com', PASSWORD);
      const list = await t.app.inject({ method: 'GET', url: '/api/v1/me/sessions', headers: b.auth });
      const items = list.json().items as { id: string; current: boolean }[];
      expect(items.map((s) => s.id).sort()).toEqual([a.sessionId, b.sessionId].sort());
      expect(items.find((s) => s.current)?.id).toBe(b.sessionId);
      const ended = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/me/sessions/${a.sessionId}`,
        headers: b.auth,
      });
      expect(ended.statusCode).toBe(204);
      expect((await post('/api/v1/auth/refresh', { refreshToken: a.refreshToken })).statusCode).toBe(401);
      const foreign = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/me/sessions/${a.sessionId}`,
        headers: b.auth,
      });
      expect(foreign.statusCode).toBe(404);
    });

    it('updates name, locale and phone, validating them', async () => {
      const { auth } = await signIn(t.app, 'oturum@ornek.com', PASSWORD);
      const ok = await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/me',
        headers: auth,
        payload: { name: 'Oturum Sahibi', locale: 'tr-TR', phone: '+90 212 555 0000' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ name: 'Oturum Sahibi', locale: 'tr-TR', phone: '+90 212 555 0000' });
      const bad = await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/me',
        headers: auth,
        payload: { locale: 'turkish', kind: 'staff' },
      });
      expect(bad.statusCode).toBe(400);
      expect(
        bad
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['kind', 'locale']);
    });
  });

  it('lets staff with notifications.view read outbound messages', async () => {
    const { auth } = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/outbound-messages?template=identity.verify_email&limit=1',
      headers: auth,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toHaveLength(1);
    expect(response.json().nextCursor).toEqual(expect.any(String));
    // Who, which and when: never the body or variables, which carry the link's token.
    expect(Object.keys(response.json().items[0]).sort()).toEqual(
      [
        'channel',
        'createdAt',
        'deliveredAt',
        'error',
        'id',
        'recipient',
        'status',
        'subject',
        'template',
      ].sort(),
    );
  });
});
