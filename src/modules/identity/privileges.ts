import type { Actor } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import { ALL_PERMISSIONS } from './permissions.js';

/** The role that holds every permission, always: its permissions are not stored choices. */
export const SUPER_ADMIN_ROLE = 'super_admin';

/**
 * Permissions that decide who holds what. A role holding one of them, like super_admin itself, is
 * given, edited and taken away by a super_admin only: otherwise whoever may manage users or roles
 * could make themselves, or an accomplice, the tenant's administrator.
 */
export const ADMINISTRATIVE_PERMISSIONS: readonly string[] = ['roles.manage', 'users.manage'];

/** What a role grants: super_admin grants every permission the API knows, whatever its row says. */
export function grantedBy(role: { key: string; permissions: readonly string[] }): readonly string[] {
  return role.key === SUPER_ADMIN_ROLE ? ALL_PERMISSIONS : role.permissions;
}

export function isAdministrativeRole(role: { key: string; permissions: readonly string[] }): boolean {
  return (
    role.key === SUPER_ADMIN_ROLE ||
    role.permissions.some((permission) => ADMINISTRATIVE_PERMISSIONS.includes(permission))
  );
}

/**
 * The system (CLI, first start, jobs) and platform administrators (who run the whole installation
 * and set up each tenant's owner) are trusted; every other actor is held to the rules below.
 */
function isSystem(actor: Actor): boolean {
  return actor.type === 'system' || (actor.type === 'user' && actor.kind === 'platform');
}

function isSuperAdmin(actor: Actor): boolean {
  return (
    actor.type === 'user' && actor.kind === 'staff' && (actor.roles?.includes(SUPER_ADMIN_ROLE) ?? false)
  );
}

/** The user whose account an actor is: a user is itself; an API key acts for the user who made it. */
export function accountOf(actor: Actor): string | null {
  return actor.type === 'api_key' ? (actor.ownerId ?? null) : actor.id;
}

/** Nobody changes their own roles (an API key acts for its owner). */
export function assertNotSelf(actor: Actor, targetId: string): void {
  if (!isSystem(actor) && targetId === accountOf(actor)) {
    throw new AppError('users.cannot_change_own_roles', 403, 'You cannot change your own roles.');
  }
}

function notHeld(actor: Actor, permissions: Iterable<string>): string[] {
  const own = actor.permissions ?? new Set<string>();
  return [...new Set(permissions)].filter((permission) => !own.has(permission)).sort();
}

/** Nobody grants, through a role or a key, a permission they do not hold themselves. */
export function assertHoldsAll(actor: Actor, permissions: Iterable<string>, field: string): void {
  if (isSystem(actor)) return;
  const missing = notHeld(actor, permissions);
  if (missing.length > 0) {
    throw new AppError(
      'roles.permission_not_held',
      403,
      `You cannot grant permissions you do not hold yourself: ${missing.join(', ')}.`,
      { field, permissions: missing },
    );
  }
}

function superAdminOnly(what: string): AppError {
  return new AppError(
    'roles.super_admin_only',
    403,
    `Only a super_admin may ${what}: it decides who holds what.`,
  );
}

/**
 * Whether the actor may give `roleRows` to the user `targetId` (replacing what it holds). Nobody changes
 * their own roles; every permission a staff role grants must be the actor's own; an administrative
 * role (super_admin, or one holding roles.manage or users.manage) is given by a super_admin only.
 * Customer roles are not ranked against the staff member giving them: a customer's `orders.approve`
 * approves its own company's orders, which is not what the same name means for staff.
 */
export function assertMayAssign(
  actor: Actor,
  targetId: string | null,
  roleRows: readonly { key: string; audience: string; permissions: readonly string[] }[],
): void {
  if (isSystem(actor)) return;
  if (targetId !== null) assertNotSelf(actor, targetId);
  const staffRoles = roleRows.filter((role) => role.audience === 'staff');
  assertHoldsAll(
    actor,
    staffRoles.flatMap((role) => grantedBy(role)),
    'roles',
  );
  const administrative = staffRoles.filter(isAdministrativeRole).map((role) => role.key);
  if (administrative.length > 0 && !isSuperAdmin(actor)) {
    throw superAdminOnly(`assign ${administrative.join(', ')}`);
  }
}

/**
 * Whether the actor may manage a staff user (edit, change roles, deactivate, erase, export) who holds
 * `targetPermissions` through `targetRoles`: nobody manages someone who can do more than they can,
 * and an administrator's account is managed by a super_admin only. Customers' accounts are a matter
 * for customers.edit and are not ranked against staff.
 */
export function assertMayManage(
  actor: Actor,
  target: { kind: string; roles: readonly { key: string; permissions: readonly string[] }[] },
): void {
  if (isSystem(actor) || target.kind !== 'staff') return;
  const missing = notHeld(
    actor,
    target.roles.flatMap((role) => grantedBy(role)),
  );
  if (missing.length > 0) {
    throw new AppError(
      'users.outranks_you',
      403,
      `This user holds permissions you do not: ${missing.join(', ')}.`,
      { permissions: missing },
    );
  }
  const administrative = target.roles.filter(isAdministrativeRole).map((role) => role.key);
  if (administrative.length > 0 && !isSuperAdmin(actor)) {
    throw superAdminOnly(`manage a user holding ${administrative.join(', ')}`);
  }
}

/**
 * Whether the actor may create, edit or delete a role of `audience` that grants what `role` grants
 * (null: a new role) and will grant `after` (null: unchanged). Nobody changes the permissions of a
 * role they hold; super_admin's permissions are fixed; for staff roles the actor must hold every permission of the
 * role, before and after, and an administrative role is a super_admin's to shape. Customer roles hold
 * customer permissions only (checked where they are parsed) and are not ranked against staff.
 */
export function assertMayShapeRole(
  actor: Actor,
  audience: string,
  role: { key: string; permissions: readonly string[] } | null,
  after: readonly string[] | null,
): void {
  if (isSystem(actor)) return;
  if (role && role.key === SUPER_ADMIN_ROLE && after !== null) {
    throw new AppError(
      'roles.super_admin_fixed',
      409,
      'super_admin always holds every permission; its permissions cannot be changed.',
      { field: 'permissions' },
    );
  }
  if (role && after !== null && actor.type === 'user' && actor.roles?.includes(role.key)) {
    throw new AppError(
      'roles.cannot_edit_own_role',
      403,
      `You hold the role "${role.key}", so you cannot change its permissions.`,
    );
  }
  if (audience !== 'staff') return;
  assertHoldsAll(actor, [...(role ? grantedBy(role) : []), ...(after ?? [])], 'permissions');
  const administrative =
    (role !== null && isAdministrativeRole(role)) ||
    (after ?? []).some((permission) => ADMINISTRATIVE_PERMISSIONS.includes(permission));
  if (administrative && !isSuperAdmin(actor)) {
    throw superAdminOnly('shape a role holding roles.manage or users.manage');
  }
}
