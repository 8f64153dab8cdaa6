import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { BOOTSTRAP_ADMIN, makeUser, signIn, totpCode } from '../../../test/identity.js';

const PASSWORD = 'Kestane-Fener-4821';

interface LoginBody {
  mfaRequired?: boolean;
  mfaToken?: string;
  accessToken?: string;
  refreshToken?: string;
  mfaSetupRequired?: boolean;
}

/**
 * The authenticator code `offsetSteps` periods from now. When the current 30-second period is about to
 * end it first waits for the next one, so the code cannot drift out of the ±1 window (or into it) on
 * its way to the server.
 */
async function code(secret: string, offsetSteps = 0): Promise<string> {
  const intoStep = Date.now() % 30_000;
  if (intoStep > 28_500) await sleep(30_000 - intoStep + 50);
  return totpCode(secret, offsetSteps);
}

describe('two-factor authentication', () => {
  let t: TestApp;
  let demoId: string;
  let counter = 0;

  beforeAll(async () => {
    t = await createTestApp();
    demoId = await t.tenantId('demo');
  });
  afterAll(() => t?.close());

  const login = (email: string, password = PASSWORD) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

  const completeMfa = (mfaToken: string, value: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa', payload: { mfaToken, code: value } });

  const post = (url: string, auth: { authorization: string }, payload?: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url, headers: auth, ...(payload === undefined ? {} : { payload }) });

  /** A fresh staff user of the demo tenant, signed in. */
  async function freshUser(roles: string[] = []) {
    counter += 1;
    const email = `iki-adim-${counter}-${Date.now()}@carsi.test`;
    const user = await makeUser(t, { email, password: PASSWORD, roles });
    const session = await signIn(t.app, email, PASSWORD);
    return { id: user.id, email, auth: session.auth };
  }

  /** A fresh user with two-factor authentication on, enabled with the previous period's code. */
  async function userWithMfa(roles: string[] = []) {
    const user = await freshUser(roles);
    const setup = await post('/api/v1/me/2fa/setup', user.auth);
    expect(setup.statusCode).toBe(200);
    const { secret } = setup.json() as { secret: string };
    const enabled = await post('/api/v1/me/2fa/enable', user.auth, { code: await code(secret, -1) });
    expect(enabled.statusCode).toBe(200);
    const { recoveryCodes } = enabled.json() as { recoveryCodes: string[] };
    return { ...user, secret, recoveryCodes };
  }

  async function challenge(email: string): Promise<string> {
    const response = await login(email);
    expect(response.statusCode).toBe(200);
    const body = response.json() as LoginBody;
    expect(body.mfaRequired).toBe(true);
    return body.mfaToken!;
  }

  const actionsFor = async (userId: string) =>
    (
      await t.ownerQuery<{ action: string }>(
        "SELECT action FROM audit_logs WHERE entity_type = 'user' AND entity_id = $1 ORDER BY at, id",
        [userId],
      )
    ).map((row) => row.action);

  it('setup returns a base32 secret and an otpauth:// URL for authenticator apps', async () => {
    const user = await freshUser();
    const response = await post('/api/v1/me/2fa/setup', user.auth);
    expect(response.statusCode).toBe(200);
    const { secret, otpauthUrl } = response.json() as { secret: string; otpauthUrl: string };
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);

    const url = new URL(otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toContain(user.email);
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(url.searchParams.get('issuer')).toBe('Çarşı');
    expect(url.searchParams.get('digits')).toBe('6');
    expect(url.searchParams.get('period')).toBe('30');
    expect(url.searchParams.get('algorithm')).toBe('SHA1');

    // Setup alone does not turn anything on.
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: user.auth });
    expect(me.json()).toMatchObject({ mfaEnabled: false });
    const again = await login(user.email);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toHaveProperty('accessToken');
  });

  it('setup needs a signed-in user', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/me/2fa/setup' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'auth.unauthenticated' });
  });

  it('enable refuses a wrong code, then turns 2FA on with 10 recovery codes shown once', async () => {
    const user = await freshUser();
    const { secret } = (await post('/api/v1/me/2fa/setup', user.auth)).json() as { secret: string };

    const valid = await code(secret);
    const wrong = valid === '000000' ? '111111' : '000000';
    const refused = await post('/api/v1/me/2fa/enable', user.auth, { code: wrong });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ code: 'auth.invalid_mfa_code' });
    expect((await login(user.email)).json()).toHaveProperty('accessToken');

    const enabled = await post('/api/v1/me/2fa/enable', user.auth, { code: valid });
    expect(enabled.statusCode).toBe(200);
    const { recoveryCodes } = enabled.json() as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const recovery of recoveryCodes) expect(recovery).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);

    // Shown once: never kept in the clear, never shown again.
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: user.auth });
    expect(me.json()).toMatchObject({ mfaEnabled: true });
    for (const recovery of recoveryCodes) expect(me.body).not.toContain(recovery);
    expect(me.body).not.toContain(secret);
    const [stored] = await t.ownerQuery<{ row: string }>('SELECT u::text AS row FROM users u WHERE id = $1', [
      user.id,
    ]);
    for (const recovery of recoveryCodes) {
      expect(stored!.row).not.toContain(recovery);
      expect(stored!.row).not.toContain(recovery.replace('-', ''));
    }

    expect(await actionsFor(user.id)).toContain('auth.mfa_enabled');
  });

  it('answers setup or enable with 409 once 2FA is on', async () => {
    const user = await userWithMfa();
    const setup = await post('/api/v1/me/2fa/setup', user.auth);
    expect(setup.statusCode).toBe(409);
    expect(setup.json()).toMatchObject({ code: 'auth.mfa_already_enabled' });
    const enable = await post('/api/v1/me/2fa/enable', user.auth, { code: await code(user.secret, 1) });
    expect(enable.statusCode).toBe(409);
  });

  it('enable before setup is refused', async () => {
    const user = await freshUser();
    const response = await post('/api/v1/me/2fa/enable', user.auth, { code: '123456' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'auth.mfa_not_set_up' });
  });

  it('sign-in answers {mfaRequired, mfaToken} without tokens; the current code completes it', async () => {
    const user = await userWithMfa();
    const first = await login(user.email);
    expect(first.statusCode).toBe(200);
    const body = first.json() as LoginBody & Record<string, unknown>;
    expect(body).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
    expect(first.body).not.toMatch(/accessToken|refreshToken/);
    expect(first.headers['set-cookie']).toBeUndefined();

    // The password alone grants nothing: the mfaToken is not an access token.
    const notAToken = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${body.mfaToken}` },
    });
    expect(notAToken.statusCode).toBe(401);

    const completed = await completeMfa(body.mfaToken!, await code(user.secret));
    expect(completed.statusCode).toBe(200);
    const tokens = completed.json() as LoginBody & { user: { id: string; mfaEnabled: boolean } };
    expect(tokens.accessToken).toEqual(expect.any(String));
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.user).toMatchObject({ id: user.id, mfaEnabled: true });

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: user.id });
  });

  it('a wrong password still gets 401 invalid_credentials, not a second-factor challenge', async () => {
    const user = await userWithMfa();
    const response = await login(user.email, 'Yanlis-Parola-9876');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'auth.invalid_credentials' });
    expect(response.body).not.toContain('mfaToken');
  });

  it('accepts a TOTP code only once: replaying it in another sign-in is refused', async () => {
    const user = await userWithMfa();
    const current = await code(user.secret);
    const first = await completeMfa(await challenge(user.email), current);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toHaveProperty('accessToken');

    const second = await challenge(user.email);
    const replayed = await completeMfa(second, current);
    expect(replayed.statusCode).toBe(401);
    expect(replayed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(replayed.json()).toMatchObject({ code: 'auth.invalid_mfa_code' });
    expect(replayed.body).not.toContain('accessToken');

    // An older code than the one used is refused too.
    const older = await completeMfa(second, await code(user.secret, -1));
    expect(older.statusCode).toBe(401);
    expect(older.json()).toMatchObject({ code: 'auth.invalid_mfa_code' });

    // A refused code does not use up the sign-in step: a newer code still completes it.
    const newer = await completeMfa(second, await code(user.secret, 1));
    expect(newer.statusCode).toBe(200);
    expect(newer.json()).toHaveProperty('accessToken');

    expect(await actionsFor(user.id)).toContain('auth.mfa_failed');
  });

  it('the code that turned 2FA on cannot also complete a sign-in', async () => {
    const user = await freshUser();
    const { secret } = (await post('/api/v1/me/2fa/setup', user.auth)).json() as { secret: string };
    const first = await code(secret);
    expect((await post('/api/v1/me/2fa/enable', user.auth, { code: first })).statusCode).toBe(200);
    const replayed = await completeMfa(await challenge(user.email), first);
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json()).toMatchObject({ code: 'auth.invalid_mfa_code' });
  });

  it('setting up again before enabling replaces the secret', async () => {
    const user = await freshUser();
    const { secret: old } = (await post('/api/v1/me/2fa/setup', user.auth)).json() as { secret: string };
    const { secret } = (await post('/api/v1/me/2fa/setup', user.auth)).json() as { secret: string };
    expect(secret).not.toBe(old);
    const oldCode = await code(old);
    if (oldCode !== (await code(secret))) {
      const refused = await post('/api/v1/me/2fa/enable', user.auth, { code: oldCode });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ code: 'auth.invalid_mfa_code' });
    }
    expect((await post('/api/v1/me/2fa/enable', user.auth, { code: await code(secret) })).statusCode).toBe(
      200,
    );
  });

  it('in cookie mode the first step sets no cookies; the second step does', async () => {
    const user = await userWithMfa();
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login?mode=cookie',
      payload: { email: user.email, password: PASSWORD },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
    expect(first.headers['set-cookie']).toBeUndefined();

    const second = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa?mode=cookie',
      payload: { mfaToken: (first.json() as LoginBody).mfaToken, code: await code(user.secret) },
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toHaveProperty('csrfToken');
    expect(second.body).not.toContain('accessToken');
    const cookies = ([] as string[]).concat((second.headers['set-cookie'] as string | string[]) ?? []);
    expect(cookies.some((c) => c.startsWith('carsi_access='))).toBe(true);
  });

  it('accepts codes one period either side of now, not two', async () => {
    const user = await userWithMfa();
    // As if 2FA had been turned on some minutes ago: no code of the periods around now used yet.
    await t.ownerQuery('UPDATE users SET mfa_last_step = mfa_last_step - 10 WHERE id = $1', [user.id]);

    const mfaToken = await challenge(user.email);
    for (const offset of [-2, 2]) {
      const response = await completeMfa(mfaToken, await code(user.secret, offset));
      expect(response.statusCode, `offset ${offset}`).toBe(401);
      expect(response.json()).toMatchObject({ code: 'auth.invalid_mfa_code' });
    }
    const behind = await completeMfa(mfaToken, await code(user.secret, -1));
    expect(behind.statusCode).toBe(200);
    expect(behind.json()).toHaveProperty('accessToken');

    const ahead = await completeMfa(await challenge(user.email), await code(user.secret, 1));
    expect(ahead.statusCode).toBe(200);
    expect(ahead.json()).toHaveProperty('accessToken');
  });

  it('refuses malformed codes', async () => {
    const user = await userWithMfa();
    const mfaToken = await challenge(user.email);
    for (const value of ['abcdef', '12345a', '9999999']) {
      const response = await completeMfa(mfaToken, value);
      expect(response.statusCode, value).toBe(401);
      expect(response.json()).toMatchObject({ code: 'auth.invalid_mfa_code' });
    }
  });

  it('a recovery code completes sign-in once, and not twice', async () => {
    const user = await userWithMfa();
    const [recovery, another] = user.recoveryCodes as [string, string];

    const first = await completeMfa(await challenge(user.email), recovery);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toHaveProperty('accessToken');

    const again = await completeMfa(await challenge(user.email), recovery);
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ code: 'auth.invalid_mfa_code' });

    // Other recovery codes still work, typed without the dash and in capitals.
    const other = await completeMfa(await challenge(user.email), another.replace('-', '').toUpperCase());
    expect(other.statusCode).toBe(200);
    expect(other.json()).toHaveProperty('accessToken');

    const [row] = await t.ownerQuery<{ left: number }>(
      'SELECT cardinality(mfa_recovery_hashes) AS left FROM users WHERE id = $1',
      [user.id],
    );
    expect(row!.left).toBe(8);
    expect((await actionsFor(user.id)).filter((a) => a === 'auth.recovery_code_used')).toHaveLength(2);
  });

  it('answers a bad, used or expired mfaToken with 401 auth.invalid_mfa_token', async () => {
    const user = await userWithMfa();

    for (const mfaToken of ['s.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'not-a-token', 'r.x']) {
      const response = await completeMfa(mfaToken, await code(user.secret));
      expect(response.statusCode, mfaToken).toBe(401);
      expect(response.json()).toMatchObject({ code: 'auth.invalid_mfa_token' });
    }

    // Used: the token of a completed sign-in does not work again.
    const used = await challenge(user.email);
    expect((await completeMfa(used, await code(user.secret))).statusCode).toBe(200);
    const reused = await completeMfa(used, await code(user.secret, 1));
    expect(reused.statusCode).toBe(401);
    expect(reused.json()).toMatchObject({ code: 'auth.invalid_mfa_token' });

    // Expired: the sign-in step lasts a few minutes.
    const expired = await challenge(user.email);
    await t.ownerQuery(
      "UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND purpose = 'mfa_login'",
      [user.id],
    );
    const late = await completeMfa(expired, user.recoveryCodes[0]!);
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ code: 'auth.invalid_mfa_token' });
    // Nothing was spent by the refused attempt.
    const [row] = await t.ownerQuery<{ left: number }>(
      'SELECT cardinality(mfa_recovery_hashes) AS left FROM users WHERE id = $1',
      [user.id],
    );
    expect(row!.left).toBe(10);

    // A newer sign-in replaces an earlier unfinished one.
    const earlier = await challenge(user.email);
    const later = await challenge(user.email);
    const stale = await completeMfa(earlier, user.recoveryCodes[0]!);
    expect(stale.statusCode).toBe(401);
    expect(stale.json()).toMatchObject({ code: 'auth.invalid_mfa_token' });
    expect((await completeMfa(later, user.recoveryCodes[0]!)).statusCode).toBe(200);
  });

  it('disable needs the password; afterwards sign-in returns tokens directly', async () => {
    const user = await userWithMfa();

    const wrong = await post('/api/v1/me/2fa/disable', user.auth, { password: 'Yanlis-Parola-9876' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(wrong.json()).toMatchObject({ code: 'auth.confirmation_failed' });
    expect((await login(user.email)).json()).toMatchObject({ mfaRequired: true });

    const disabled = await post('/api/v1/me/2fa/disable', user.auth, { password: PASSWORD });
    expect(disabled.statusCode).toBe(204);

    const direct = await login(user.email);
    expect(direct.statusCode).toBe(200);
    const body = direct.json() as LoginBody & { user: { mfaEnabled: boolean } };
    expect(body.accessToken).toEqual(expect.any(String));
    expect(body.mfaRequired).toBeUndefined();
    expect(body.user.mfaEnabled).toBe(false);

    // The old secret and recovery codes are gone.
    const [row] = await t.ownerQuery<{ secret: string | null; left: number }>(
      'SELECT mfa_secret AS secret, cardinality(mfa_recovery_hashes) AS left FROM users WHERE id = $1',
      [user.id],
    );
    expect(row).toEqual({ secret: null, left: 0 });

    const again = await post('/api/v1/me/2fa/disable', user.auth, { password: PASSWORD });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'auth.mfa_not_enabled' });

    const actions = await actionsFor(user.id);
    expect(actions).toContain('auth.mfa_enabled');
    expect(actions).toContain('auth.mfa_disabled');
    expect(actions.lastIndexOf('auth.mfa_disabled')).toBeGreaterThan(actions.indexOf('auth.mfa_enabled'));
  });

  it('disable also accepts a current code, and refuses a wrong one', async () => {
    const user = await userWithMfa();
    const wrong = await post('/api/v1/me/2fa/disable', user.auth, { code: '000000' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ code: 'auth.confirmation_failed' });
    const disabled = await post('/api/v1/me/2fa/disable', user.auth, { code: await code(user.secret) });
    expect(disabled.statusCode).toBe(204);
    expect((await login(user.email)).json()).toHaveProperty('accessToken');
  });

  it('audit rows record who turned 2FA on and off', async () => {
    const user = await userWithMfa();
    await post('/api/v1/me/2fa/disable', user.auth, { password: PASSWORD });
    const rows = await t.ownerQuery<{ action: string; actor_id: string; tenant_id: string }>(
      "SELECT action, actor_id, tenant_id FROM audit_logs WHERE entity_id = $1 AND action IN ('auth.mfa_enabled', 'auth.mfa_disabled') ORDER BY at, id",
      [user.id],
    );
    expect(rows).toEqual([
      { action: 'auth.mfa_enabled', actor_id: user.id, tenant_id: demoId },
      { action: 'auth.mfa_disabled', actor_id: user.id, tenant_id: demoId },
    ]);
  });

  describe('when the tenant requires 2FA for staff', () => {
    let platformAuth: { authorization: string };

    const setRequirement = async (requireStaffMfa: boolean) => {
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/platform/tenants/${demoId}`,
        headers: platformAuth,
        payload: { settings: { auth: { requireStaffMfa } } },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ settings: { auth: { requireStaffMfa } } });
    };

    beforeAll(async () => {
      platformAuth = (
        await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, { platform: true })
      ).auth;
      await setRequirement(true);
    });
    afterAll(async () => {
      if (platformAuth) await setRequirement(false);
    });

    it('a staff user without 2FA gets a token that reaches /me only, until 2FA is set up', async () => {
      counter += 1;
      const email = `zorunlu-${counter}-${Date.now()}@carsi.test`;
      const user = await makeUser(t, { email, password: PASSWORD, roles: ['super_admin'] });

      const first = await login(email);
      expect(first.statusCode).toBe(200);
      const restricted = first.json() as LoginBody;
      expect(restricted.mfaSetupRequired).toBe(true);
      expect(restricted.accessToken).toEqual(expect.any(String));
      const auth = { authorization: `Bearer ${restricted.accessToken}` };

      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ id: user.id, mfaEnabled: false });

      const guarded = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: auth });
      expect(guarded.statusCode).toBe(403);
      expect(guarded.json()).toMatchObject({ code: 'auth.forbidden' });

      // The restricted token can set 2FA up.
      const setup = await post('/api/v1/me/2fa/setup', auth);
      expect(setup.statusCode).toBe(200);
      const { secret } = setup.json() as { secret: string };
      const enabled = await post('/api/v1/me/2fa/enable', auth, { code: await code(secret, -1) });
      expect(enabled.statusCode).toBe(200);

      const second = await login(email);
      const { mfaToken } = second.json() as LoginBody;
      expect(mfaToken).toEqual(expect.any(String));
      const completed = await completeMfa(mfaToken!, await code(secret));
      expect(completed.statusCode).toBe(200);
      const full = completed.json() as LoginBody;
      expect(full.mfaSetupRequired).toBe(false);

      const allowed = await t.app.inject({
        method: 'GET',
        url: '/api/v1/users',
        headers: { authorization: `Bearer ${full.accessToken}` },
      });
      expect(allowed.statusCode).toBe(200);
    });

    it('does not restrict customers', async () => {
      counter += 1;
      const email = `musteri-${counter}-${Date.now()}@carsi.test`;
      await makeUser(t, { email, password: PASSWORD, kind: 'customer', roles: ['dealer_owner'] });
      const response = await login(email);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ mfaSetupRequired: false });
    });
  });
});
