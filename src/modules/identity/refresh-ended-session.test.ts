import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { BOOTSTRAP_ADMIN, signIn } from '../../../test/identity.js';

// Found by the fuzz test: a refused refresh used to mark its token used, so presenting it once more
// (a client retrying after sign-out) was taken for a stolen copy, revoked the session again and was
// audited as `auth.refresh_reused`.
describe('refreshing a session that has ended', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  const refresh = (refreshToken: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });

  it('is refused as revoked, every time, and changes nothing', async () => {
    const session = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: session.auth });
    expect(logout.statusCode).toBe(204);
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await refresh(session.refreshToken);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'auth.invalid_refresh_token', reason: 'revoked' });
    }
    const tokens = await t.ownerQuery('SELECT used_at FROM refresh_tokens WHERE session_id = $1', [
      session.sessionId,
    ]);
    expect(tokens).toEqual([{ used_at: null }]);
    const audited = await t.ownerQuery(`SELECT 1 FROM audit_logs WHERE action = 'auth.refresh_reused'`);
    expect(audited).toEqual([]);
  });

  it('still refreshes a live session, once per token', async () => {
    const session = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    expect((await refresh(session.refreshToken)).statusCode).toBe(200);
    expect((await refresh(session.refreshToken)).json()).toMatchObject({ reason: 'reused' });
  });
});
