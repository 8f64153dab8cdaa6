import { isoTimestamp, preparedRows } from '../../db/prepared.js';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError } from '../../kernel/errors.js';
import { verifyPassword } from './passwords.js';
import { sortedPermissions } from './roles.service.js';
import type { AuthSessionRow, UserKind, UserStatus } from './schema.js';
import { activeSessions, revokeSession, revokeUserSessions } from './sessions.service.js';
import { getUser, setPassword, type UserChanges, type UserView, updateUser } from './users.service.js';

export interface MeView extends UserView {
  tenantId: string | null;
  permissions: string[];
}

// Read on every page load of every signed-in app: one prepared statement, selecting only what is shown,
// answered as text (the view is made of strings; timestamps come formatted).
const selectUser = preparedRows(
  'identity_me',
  `SELECT id, tenant_id, kind, email, name, status, email_verified_at IS NOT NULL, mfa_enabled_at IS NOT NULL,
          locale, phone, ${isoTimestamp('last_login_at')}, ${isoTimestamp('created_at')}
     FROM users WHERE id = $1 LIMIT 1`,
);

/**
 * The signed-in user, with the roles and permissions its credentials carry now (the roles a token was
 * issued with are the ones its permissions come from, so both are shown from it).
 */
export async function getMe(tx: Tx): Promise<MeView> {
  const [row] = await selectUser(tx, [currentUserId(tx)]);
  const status = row?.[5] as UserStatus | undefined;
  if (!row || status === undefined || status === 'erased') {
    throw new AppError('users.not_found', 404, 'No such user.');
  }
  const { actor } = tx.ctx;
  // Same fields, in the same order, as toUserView.
  return {
    id: row[0]!,
    kind: row[2] as UserKind,
    email: row[3]!,
    name: row[4]!,
    status,
    emailVerified: row[6] === 't',
    mfaEnabled: row[7] === 't',
    locale: row[8] ?? null,
    phone: row[9] ?? null,
    roles: actor.roles ? [...actor.roles] : [],
    lastLoginAt: row[10] ?? null,
    createdAt: row[11]!,
    tenantId: row[1] ?? null,
    // A shared list: only serialized, never changed.
    permissions: sortedPermissions(actor.permissions) as string[],
  };
}

export async function updateMe(tx: Tx, changes: UserChanges): Promise<MeView> {
  await updateUser(tx, currentUserId(tx), changes);
  return getMe(tx);
}

/** Needs the current password; ends every other session (the current one stays signed in). */
export async function changePassword(tx: Tx, currentPassword: string, newPassword: string): Promise<number> {
  const user = await getUser(tx, currentUserId(tx));
  if (!(await verifyPassword(user.passwordHash, currentPassword))) {
    throw new AppError('auth.wrong_password', 403, 'The current password is incorrect.', {
      field: 'currentPassword',
    });
  }
  if (currentPassword === newPassword) {
    throw new AppError('auth.same_password', 400, 'The new password must differ from the current one.', {
      field: 'newPassword',
    });
  }
  await setPassword(tx, user, newPassword);
  const ended = await revokeUserSessions(tx, user.id, 'password_changed', tx.ctx.actor.sessionId);
  await audit(tx, {
    action: 'auth.password_changed',
    entityType: 'user',
    entityId: user.id,
    after: { sessionsEnded: ended },
  });
  return ended;
}

export interface SessionView {
  id: string;
  current: boolean;
  ip: string | null;
  userAgent: string | null;
  remember: boolean;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
}

function toSessionView(session: AuthSessionRow, currentId: string | undefined): SessionView {
  return {
    id: session.id,
    current: session.id === currentId,
    ip: session.ip,
    userAgent: session.userAgent,
    remember: session.remember,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
  };
}

export async function mySessions(tx: Tx): Promise<SessionView[]> {
  const sessions = await activeSessions(tx, currentUserId(tx));
  return sessions.map((s) => toSessionView(s, tx.ctx.actor.sessionId));
}

export async function endMySession(tx: Tx, sessionId: string): Promise<void> {
  const mine = (await activeSessions(tx, currentUserId(tx))).some((s) => s.id === sessionId);
  if (!mine) throw new AppError('sessions.not_found', 404, 'No such session.');
  await revokeSession(tx, sessionId, 'ended_by_user');
  await audit(tx, { action: 'auth.session_ended', entityType: 'session', entityId: sessionId });
}

export function currentUserId(tx: Tx): string {
  const { actor } = tx.ctx;
  if (actor.type !== 'user' || !actor.id) throw new AppError('auth.unauthenticated', 401, 'Sign in first.');
  return actor.id;
}
