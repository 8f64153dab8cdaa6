import type { Tx } from '../../db/tx.js';
import { AppError } from '../../kernel/errors.js';
import { sendInvitationEmail } from './emails.js';
import { issueOneTimeToken } from './one-time-tokens.js';
import { eraseUser, exportUserData } from './privacy.service.js';
import { accountOf, assertMayManage, assertNotSelf } from './privileges.js';
import { rolesOfUser } from './roles.service.js';
import type { UserRow } from './schema.js';
import { revokeUserSessions } from './sessions.service.js';
import {
  createUser,
  getUser,
  setUserRoles,
  setUserStatus,
  type UserChanges,
  type UserView,
  updateUser,
  viewOf,
} from './users.service.js';

/**
 * Staff administration of a tenant's users: the rules of who may do what to whom live here, not in
 * the routes. Nobody manages a staff user who can do more than they can (see privileges.ts).
 */

/** A user of this tenant (platform administrators are not managed here). */
export async function tenantUser(tx: Tx, id: string): Promise<UserRow> {
  const user = await getUser(tx, id);
  if (user.kind === 'platform') throw new AppError('users.not_found', 404, 'No such user.');
  return user;
}

/** A user of this tenant that the actor may manage. */
async function manageableUser(tx: Tx, id: string): Promise<UserRow> {
  const user = await tenantUser(tx, id);
  assertMayManage(tx.ctx.actor, { kind: user.kind, roles: await rolesOfUser(tx, user.id) });
  return user;
}

export interface NewStaffUser {
  email: string;
  name: string;
  /** Absent: the user is emailed a link to choose one. */
  password?: string | undefined;
  roles: string[];
  locale?: string | undefined;
  phone?: string | undefined;
}

/** Creates a staff user with roles the actor may give; without a password, sends an invitation. */
export async function createStaffUser(tx: Tx, input: NewStaffUser): Promise<UserView> {
  const created = await createUser(tx, { ...input, kind: 'staff', emailVerified: false });
  if (input.password === undefined) {
    await sendInvitationEmail(tx, created, await issueOneTimeToken(tx, created, 'reset_password'));
  }
  return viewOf(tx, created);
}

export async function editUser(tx: Tx, id: string, changes: UserChanges): Promise<UserView> {
  await manageableUser(tx, id);
  return viewOf(tx, await updateUser(tx, id, changes));
}

/** Replaces a user's roles; effective on the user's next request (see revocations.ts). */
export async function replaceUserRoles(tx: Tx, id: string, roleKeys: string[]): Promise<UserView> {
  assertNotSelf(tx.ctx.actor, id);
  await manageableUser(tx, id);
  await setUserRoles(tx, id, roleKeys);
  return viewOf(tx, await getUser(tx, id));
}

/** Deactivation ends every session at once; nobody deactivates themselves. */
export async function deactivateUser(tx: Tx, id: string): Promise<UserView> {
  const user = await manageableUser(tx, id);
  if (user.id === accountOf(tx.ctx.actor)) {
    throw new AppError('users.cannot_deactivate_self', 409, 'You cannot deactivate yourself.');
  }
  const changed = await setUserStatus(tx, user.id, 'deactivated', 'user.deactivated');
  await revokeUserSessions(tx, user.id, 'deactivated');
  return viewOf(tx, changed);
}

/** Reactivation also approves a sign-up waiting for approval. */
export async function reactivateUser(tx: Tx, id: string): Promise<UserView> {
  const user = await manageableUser(tx, id);
  return viewOf(tx, await setUserStatus(tx, user.id, 'active', 'user.reactivated'));
}

/** Privacy requests about customers need customers.edit; about staff, users.manage (and rank). */
async function privacyTarget(tx: Tx, id: string): Promise<UserRow> {
  const user = await tenantUser(tx, id);
  const needed = user.kind === 'customer' ? 'customers.edit' : 'users.manage';
  if (!tx.ctx.actor.permissions?.has(needed)) {
    throw new AppError('auth.forbidden', 403, `This needs the permission "${needed}".`, {
      permission: needed,
    });
  }
  assertMayManage(tx.ctx.actor, { kind: user.kind, roles: await rolesOfUser(tx, user.id) });
  return user;
}

export async function exportUserDataFor(tx: Tx, id: string) {
  await privacyTarget(tx, id);
  return exportUserData(tx, id);
}

export async function eraseUserFor(tx: Tx, id: string): Promise<void> {
  await privacyTarget(tx, id);
  await eraseUser(tx, id);
}
