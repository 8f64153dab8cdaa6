import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import type { Runtime } from '../../kernel/context.js';
import { getCurrentTenantSettings } from '../tenancy/index.js';
import { AccessTokens } from './access-tokens.js';
import { revokeAccess } from './revocations.js';
import { roleKeysOf } from './roles.service.js';
import { type AuthSessionRow, authSessions, refreshTokens, type UserRow, users } from './schema.js';
import { hashToken, randomToken } from './secrets.js';

export const SESSION_DAYS = 7;
export const REMEMBERED_SESSION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

const accessTokensByRuntime = new WeakMap<Runtime, AccessTokens>();

/** The process's token signer, made once from its configuration. */
export function accessTokensOf(runtime: Runtime): AccessTokens {
  let tokens = accessTokensByRuntime.get(runtime);
  if (!tokens) {
    tokens = new AccessTokens(runtime.config.jwtSecret, runtime.config.jwtPreviousSecrets);
    accessTokensByRuntime.set(runtime, tokens);
  }
  return tokens;
}

export interface IssuedTokens {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
  sessionId: string;
  /** The tenant requires a second factor this staff user has not set up: the token only reaches /me. */
  mfaSetupRequired: boolean;
}

export interface SessionOptions {
  remember: boolean;
}

/** Starts a session for `user`: a new refresh-token family and a first access token. */
export async function startSession(tx: Tx, user: UserRow, options: SessionOptions): Promise<IssuedTokens> {
  const now = Date.now();
  const expiresAt = new Date(now + (options.remember ? REMEMBERED_SESSION_DAYS : SESSION_DAYS) * DAY_MS);
  const [session] = await tx.db
    .insert(authSessions)
    .values({
      tenantId: user.tenantId,
      id: uuidv7(),
      userId: user.id,
      remember: options.remember,
      ip: tx.ctx.ip,
      userAgent: tx.ctx.userAgent?.slice(0, 500) ?? null,
      expiresAt,
    })
    .returning();
  await tx.db
    .update(users)
    .set({ lastLoginAt: new Date(now) })
    .where(eq(users.id, user.id));
  return issueTokens(tx, user, session!);
}

/** A new refresh token in the session's family, and an access token carrying the user's current roles. */
export async function issueTokens(tx: Tx, user: UserRow, session: AuthSessionRow): Promise<IssuedTokens> {
  const refreshToken = randomToken();
  await tx.db.insert(refreshTokens).values({
    tenantId: user.tenantId,
    id: uuidv7(),
    sessionId: session.id,
    tokenHash: hashToken(refreshToken),
    expiresAt: session.expiresAt,
  });
  const roleKeys = (await roleKeysOf(tx, [user.id])).get(user.id) ?? [];
  const mfaSetupRequired =
    user.kind === 'staff' &&
    !user.mfaEnabledAt &&
    Boolean((await getCurrentTenantSettings(tx)).auth?.requireStaffMfa);
  const access = accessTokensOf(tx.ctx.runtime).issue({
    sub: user.id,
    tid: user.tenantId,
    knd: user.kind,
    rls: roleKeys,
    sid: session.id,
    ...(mfaSetupRequired ? { mfa: 'setup_required' as const } : {}),
  });
  return {
    accessToken: access.token,
    tokenType: 'Bearer',
    expiresIn: access.expiresIn,
    refreshToken,
    refreshExpiresAt: session.expiresAt.toISOString(),
    sessionId: session.id,
    mfaSetupRequired,
  };
}

export type RefreshOutcome =
  | { ok: true; tokens: IssuedTokens }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' | 'inactive' };

/**
 * Exchanges a refresh token for new tokens. Each refresh token works once: presenting one that was
 * already used means it was copied, so the whole session is revoked (the thief's copy and the
 * owner's alike) and the event is audited. The outcome is returned, not thrown, so that revocation
 * commits.
 */
export async function refreshSession(tx: Tx, refreshToken: string): Promise<RefreshOutcome> {
  const tokenHash = hashToken(refreshToken);
  // Claiming the token and checking it was unused is one statement, so two concurrent refreshes
  // with one token cannot both succeed. Only a token of a live session of an active user is claimed:
  // refusing one of a session that has ended changes nothing (and presenting it again is no reuse).
  const [claimed] = await tx.db
    .update(refreshTokens)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(refreshTokens.tokenHash, tokenHash),
        isNull(refreshTokens.usedAt),
        sql`EXISTS (SELECT 1 FROM auth_sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = ${refreshTokens.sessionId} AND s.revoked_at IS NULL AND s.expires_at > now()
            AND u.status = 'active')`,
      ),
    )
    .returning();
  if (!claimed) {
    const [known] = await tx.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .limit(1);
    if (!known) return { ok: false, reason: 'unknown' };
    if (!known.usedAt) return endedSession(tx, known.sessionId);
    const session = await revokeSession(tx, known.sessionId, 'refresh_reuse');
    await audit(tx, {
      action: 'auth.refresh_reused',
      entityType: 'session',
      entityId: known.sessionId,
      after: { userId: session?.userId ?? null },
    });
    return { ok: false, reason: 'reused' };
  }
  const [session] = await tx.db
    .select()
    .from(authSessions)
    .where(eq(authSessions.id, claimed.sessionId))
    .limit(1);
  if (!session || session.revokedAt) return { ok: false, reason: 'revoked' };
  if (session.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  const [user] = await tx.db.select().from(users).where(eq(users.id, session.userId)).limit(1);
  if (user?.status !== 'active') return { ok: false, reason: 'inactive' };
  await tx.db.update(authSessions).set({ lastUsedAt: new Date() }).where(eq(authSessions.id, session.id));
  return { ok: true, tokens: await issueTokens(tx, user, session) };
}

/** Why an unused refresh token was not taken: its session was revoked or has expired, or its user is not active. */
async function endedSession(tx: Tx, sessionId: string): Promise<RefreshOutcome> {
  const [session] = await tx.db.select().from(authSessions).where(eq(authSessions.id, sessionId)).limit(1);
  if (!session || session.revokedAt) return { ok: false, reason: 'revoked' };
  if (session.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  return { ok: false, reason: 'inactive' };
}

/**
 * Ends one session; returns it (or undefined when unknown). Its access tokens are refused from the
 * next request on, in every process.
 */
export async function revokeSession(
  tx: Tx,
  sessionId: string,
  reason: string,
): Promise<AuthSessionRow | undefined> {
  const [session] = await tx.db
    .update(authSessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(authSessions.id, sessionId), isNull(authSessions.revokedAt)))
    .returning();
  if (session) await revokeAccess(tx, [{ kind: 'session', subjectId: session.id }]);
  return session;
}

/**
 * Ends every session of a user, except `keepSessionId` when given; returns how many ended. Their
 * access tokens are refused from the next request on, in every process.
 */
export async function revokeUserSessions(
  tx: Tx,
  userId: string,
  reason: string,
  keepSessionId?: string,
): Promise<number> {
  const ended = await tx.db
    .update(authSessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(
      and(
        eq(authSessions.userId, userId),
        isNull(authSessions.revokedAt),
        keepSessionId ? ne(authSessions.id, keepSessionId) : undefined,
      ),
    )
    .returning({ id: authSessions.id });
  await revokeAccess(
    tx,
    ended.map((session) => ({ kind: 'session' as const, subjectId: session.id })),
  );
  return ended.length;
}

/** A user's sessions that can still be refreshed, newest first. */
export async function activeSessions(tx: Tx, userId: string): Promise<AuthSessionRow[]> {
  return tx.db
    .select()
    .from(authSessions)
    .where(
      and(
        eq(authSessions.userId, userId),
        isNull(authSessions.revokedAt),
        gt(authSessions.expiresAt, new Date()),
      ),
    )
    .orderBy(desc(authSessions.createdAt));
}

/** Whether this user agent has signed in as this user before (for the new-device email). */
export async function knownDevice(tx: Tx, userId: string, userAgent: string | null): Promise<boolean> {
  const [seen] = await tx.db
    .select({ id: authSessions.id })
    .from(authSessions)
    .where(and(eq(authSessions.userId, userId), eq(authSessions.userAgent, userAgent?.slice(0, 500) ?? '')))
    .limit(1);
  return seen !== undefined;
}
