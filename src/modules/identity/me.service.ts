import { eq, sql } from 'drizzle-orm';
import { preparedQuery } from '../../db/prepared.js';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError } from '../../kernel/errors.js';
import { verifyPassword } from './passwords.js';
import { sortedPermissions } from './roles.service.js';
import { type AuthSessionRow, users } from './schema.js';
import { activeSessions, revokeSession, revokeUserSessions } from './sessions.service.js';
import {
  getUser,
  setPassword,
  toUserView,
  USER_VIEW_COLUMNS,
  type UserChanges,
  type UserView,
  updateUser,
} from './users.service.js';

export interface MeView extends UserView {
  tenantId: string | null;
  permissions: string[];
}

// Read on every page load of every signed-in app: one prepared statement, selecting only what is shown.
const selectUser = preparedQuery('identity_me', (db) =>
  db
    .select(USER_VIEW_COLUMNS)
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .limit(1),
);

/**
 * The signed-in user, with the roles and permissions its credentials carry now (the roles a token was
 * issued with are the ones its permissions come from, so both are shown from it).
 */
export async function getMe(tx: Tx): Promise<MeView> {
  const [user] = await selectUser(tx, { id: currentUserId(tx) });
  if (!user || user.status === 'erased') throw new AppError('users.not_found', 404, 'No such user.');
  return {
    ...toUserView(user, [...(tx.ctx.actor.roles ?? [])]),
    tenantId: user.tenantId,
    // A shared list: only serialized, never changed.
    permissions: sortedPermissions(tx.ctx.actor.permissions) as string[],
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
