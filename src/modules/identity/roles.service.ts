import { and, asc, eq, inArray } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { type Tx, withTx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { type Runtime, systemContext } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import { BUILT_IN_ROLES, CUSTOMER_PERMISSIONS, isPermission } from './permissions.js';
import { assertMayShapeRole, grantedBy } from './privileges.js';
import { announceRoleChange } from './revocations.js';
import { type RoleAudience, type RoleRow, roles, userRoles } from './schema.js';

/** Gives the transaction's tenant its copies of the built-in roles (idempotent). */
export async function ensureBuiltInRoles(tx: Tx): Promise<void> {
  const tenantId = requireTenant(tx);
  await tx.db
    .insert(roles)
    .values(
      BUILT_IN_ROLES.map((role) => ({
        tenantId,
        id: uuidv7(),
        key: role.key,
        name: role.name,
        description: role.description,
        audience: role.audience,
        permissions: [...role.permissions],
        builtIn: true,
      })),
    )
    .onConflictDoNothing({ target: [roles.tenantId, roles.key] });
}

/** What the API shows of a role: what it grants (super_admin: every permission), times as ISO text. */
export function toRoleView(row: RoleRow) {
  return {
    ...row,
    permissions: [...grantedBy(row)],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function listRoles(tx: Tx): Promise<RoleRow[]> {
  return tx.db.select().from(roles).orderBy(asc(roles.audience), asc(roles.key));
}

export async function getRole(tx: Tx, id: string): Promise<RoleRow> {
  const [row] = await tx.db.select().from(roles).where(eq(roles.id, id)).limit(1);
  if (!row) throw new AppError('roles.not_found', 404, 'No such role.');
  return row;
}

export interface RoleInput {
  key: string;
  name: string;
  description?: string | undefined;
  audience: RoleAudience;
  permissions: string[];
}

export async function createRole(tx: Tx, input: RoleInput): Promise<RoleRow> {
  const tenantId = requireTenant(tx);
  const permissions = checkedPermissions(input.permissions, input.audience);
  assertMayShapeRole(tx.ctx.actor, input.audience, null, permissions);
  const [row] = await tx.db
    .insert(roles)
    .values({
      tenantId,
      id: uuidv7(),
      key: input.key,
      name: input.name,
      description: input.description ?? '',
      audience: input.audience,
      permissions,
    })
    .onConflictDoNothing({ target: [roles.tenantId, roles.key] })
    .returning();
  if (!row)
    throw new AppError('roles.key_taken', 409, `A role "${input.key}" already exists.`, { field: 'key' });
  await audit(tx, { action: 'role.created', entityType: 'role', entityId: row.id, after: row });
  await announceRoleChange(tx, tenantId);
  return row;
}

export interface RoleChanges {
  name?: string | undefined;
  description?: string | undefined;
  permissions?: string[] | undefined;
}

/**
 * Built-in roles are editable copies: their name, description and permissions can change (super_admin's
 * permissions excepted). Nobody edits a role they hold, nor one that grants more than they hold.
 */
export async function updateRole(tx: Tx, id: string, changes: RoleChanges): Promise<RoleRow> {
  const before = await getRole(tx, id);
  const permissions =
    changes.permissions === undefined ? undefined : checkedPermissions(changes.permissions, before.audience);
  assertMayShapeRole(tx.ctx.actor, before.audience, before, permissions ?? null);
  const [after] = await tx.db
    .update(roles)
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(permissions !== undefined ? { permissions } : {}),
      updatedAt: new Date(),
    })
    .where(eq(roles.id, id))
    .returning();
  await audit(tx, { action: 'role.updated', entityType: 'role', entityId: id, before, after });
  await announceRoleChange(tx, before.tenantId);
  return after!;
}

export async function deleteRole(tx: Tx, id: string): Promise<void> {
  const role = await getRole(tx, id);
  if (role.builtIn)
    throw new AppError('roles.built_in', 409, 'Built-in roles can be edited but not deleted.');
  assertMayShapeRole(tx.ctx.actor, role.audience, role, null);
  const [holder] = await tx.db.select().from(userRoles).where(eq(userRoles.roleId, id)).limit(1);
  if (holder) throw new AppError('roles.in_use', 409, 'Users still hold this role; take it from them first.');
  await tx.db.delete(roles).where(eq(roles.id, id));
  await audit(tx, { action: 'role.deleted', entityType: 'role', entityId: id, before: role });
  await announceRoleChange(tx, role.tenantId);
}

/** The roles with these keys, checked to exist and to suit users of `audience`. */
export async function rolesByKeys(tx: Tx, keys: string[], audience: RoleAudience): Promise<RoleRow[]> {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return [];
  const found = await tx.db.select().from(roles).where(inArray(roles.key, unique));
  const missing = unique.filter((key) => !found.some((role) => role.key === key));
  if (missing.length > 0) {
    throw new AppError('roles.not_found', 400, `Unknown role(s): ${missing.join(', ')}.`, { field: 'roles' });
  }
  const wrong = found.filter((role) => role.audience !== audience);
  if (wrong.length > 0) {
    throw new AppError(
      'roles.wrong_audience',
      400,
      `Role(s) ${wrong.map((r) => r.key).join(', ')} are not for ${audience} users.`,
      { field: 'roles' },
    );
  }
  return found;
}

/** Replaces a user's roles. */
export async function assignRoles(tx: Tx, userId: string, roleRows: RoleRow[]): Promise<void> {
  const tenantId = requireTenant(tx);
  await tx.db.delete(userRoles).where(eq(userRoles.userId, userId));
  if (roleRows.length > 0) {
    await tx.db.insert(userRoles).values(roleRows.map((role) => ({ tenantId, userId, roleId: role.id })));
  }
}

/** Role keys of each user, for tokens and listings. */
export async function roleKeysOf(tx: Tx, userIds: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0 || !tx.ctx.tenantId) return result;
  const rows = await tx.db
    .select({ userId: userRoles.userId, key: roles.key })
    .from(userRoles)
    .innerJoin(roles, and(eq(roles.tenantId, userRoles.tenantId), eq(roles.id, userRoles.roleId)))
    .where(inArray(userRoles.userId, userIds))
    .orderBy(asc(roles.key));
  for (const row of rows) result.get(row.userId)?.push(row.key);
  return result;
}

/** The role rows a user holds. */
export async function rolesOfUser(tx: Tx, userId: string): Promise<RoleRow[]> {
  if (!tx.ctx.tenantId) return [];
  const rows = await tx.db
    .select({ role: roles })
    .from(userRoles)
    .innerJoin(roles, and(eq(roles.tenantId, userRoles.tenantId), eq(roles.id, userRoles.roleId)))
    .where(eq(userRoles.userId, userId))
    .orderBy(asc(roles.key));
  return rows.map((row) => row.role);
}

/** The union of permissions the given roles grant. */
export function permissionsOf(roleRows: Pick<RoleRow, 'key' | 'permissions'>[]): Set<string> {
  return new Set(roleRows.flatMap((role) => grantedBy(role)));
}

function checkedPermissions(permissions: string[], audience: RoleAudience): string[] {
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0) {
    throw new AppError('roles.unknown_permission', 400, `Unknown permission(s): ${unknown.join(', ')}.`, {
      field: 'permissions',
    });
  }
  if (audience === 'customer') {
    const staffOnly = permissions.filter((p) => !(CUSTOMER_PERMISSIONS as readonly string[]).includes(p));
    if (staffOnly.length > 0) {
      throw new AppError(
        'roles.staff_permission',
        400,
        `Customer roles cannot hold staff permission(s): ${staffOnly.join(', ')}.`,
        { field: 'permissions' },
      );
    }
  }
  return [...new Set(permissions)].sort();
}

function requireTenant(tx: Tx): string {
  if (!tx.ctx.tenantId) throw new Error('roles belong to a tenant, and none is set');
  return tx.ctx.tenantId;
}

/** How long a tenant's role → permissions map is trusted before it is read again. */
export const ROLE_CACHE_TTL_MS = 5_000;

/**
 * Every authenticated request turns its token's role keys into permissions. Roles change rarely, so
 * each process keeps each tenant's map; an edit is announced to every process as it commits
 * (revocations.ts), and the map is read again after a few seconds anyway, should an announcement
 * be missed.
 */
export class RolePermissionCache {
  private readonly byTenant = new Map<string, { expiresAt: number; map: Map<string, ReadonlySet<string>> }>();
  private readonly loading = new Map<string, Promise<Map<string, ReadonlySet<string>>>>();

  constructor(private readonly runtime: Runtime) {}

  /** The cached map, when fresh: lets the per-request path stay synchronous. */
  peek(tenantId: string): Map<string, ReadonlySet<string>> | undefined {
    const entry = this.byTenant.get(tenantId);
    return entry && entry.expiresAt > Date.now() ? entry.map : undefined;
  }

  async get(tenantId: string): Promise<Map<string, ReadonlySet<string>>> {
    const fresh = this.peek(tenantId);
    if (fresh) return fresh;
    let pending = this.loading.get(tenantId);
    if (!pending) {
      pending = this.load(tenantId).finally(() => this.loading.delete(tenantId));
      this.loading.set(tenantId, pending);
    }
    return pending;
  }

  invalidate(tenantId: string): void {
    this.byTenant.delete(tenantId);
  }

  invalidateAll(): void {
    this.byTenant.clear();
  }

  private async load(tenantId: string): Promise<Map<string, ReadonlySet<string>>> {
    const rows = await withTx(
      systemContext(this.runtime, tenantId),
      (tx) => tx.db.select({ key: roles.key, permissions: roles.permissions }).from(roles),
      { readOnly: true },
    );
    const map = new Map(rows.map((row) => [row.key, new Set(grantedBy(row)) as ReadonlySet<string>]));
    this.byTenant.set(tenantId, { expiresAt: Date.now() + ROLE_CACHE_TTL_MS, map });
    return map;
  }
}

// The permission set of each combination of roles, built once per map: the same few combinations
// recur on every request, and a shared set also carries its sorted list (for GET /me) once.
const combinations = new WeakMap<Map<string, ReadonlySet<string>>, Map<string, ReadonlySet<string>>>();
const sortedLists = new WeakMap<ReadonlySet<string>, readonly string[]>();

/** Union of the permissions of `roleKeys` in a tenant's map (shared, never to be modified). */
export function permissionsFor(
  map: Map<string, ReadonlySet<string>>,
  roleKeys: readonly string[],
): ReadonlySet<string> {
  let byCombination = combinations.get(map);
  if (!byCombination) {
    byCombination = new Map();
    combinations.set(map, byCombination);
  }
  const key = roleKeys.join(',');
  let result = byCombination.get(key);
  if (!result) {
    const union = new Set<string>();
    for (const role of roleKeys) for (const permission of map.get(role) ?? []) union.add(permission);
    result = union;
    if (byCombination.size < 1_000) byCombination.set(key, result);
  }
  return result;
}

/** A permission set as a sorted list, computed once per set (shared: read it, never change it). */
export function sortedPermissions(permissions: ReadonlySet<string> | undefined): readonly string[] {
  if (!permissions) return [];
  let list = sortedLists.get(permissions);
  if (!list) {
    list = [...permissions].sort();
    sortedLists.set(permissions, list);
  }
  return list;
}

const caches = new WeakMap<Runtime, RolePermissionCache>();

/** The process's one cache, so a role edited here is seen at once by the next request here. */
export function rolePermissionCacheOf(runtime: Runtime): RolePermissionCache {
  let cache = caches.get(runtime);
  if (!cache) {
    cache = new RolePermissionCache(runtime);
    caches.set(runtime, cache);
  }
  return cache;
}
