import { and, desc, eq, ilike, lt, ne, or, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError } from '../../kernel/errors.js';
import { emailKey } from './email.js';
import { hashPassword, passwordProblem } from './passwords.js';
import { assertMayAssign } from './privileges.js';
import { revokeAccess } from './revocations.js';
import { assignRoles, roleKeysOf, rolesByKeys } from './roles.service.js';
import { type UserKind, type UserRow, type UserStatus, users } from './schema.js';

/** What the API shows of a user; never the password hash or second-factor secrets. */
export interface UserView {
  id: string;
  kind: UserKind;
  email: string;
  name: string;
  status: UserStatus;
  emailVerified: boolean;
  mfaEnabled: boolean;
  locale: string | null;
  phone: string | null;
  roles: string[];
  lastLoginAt: string | null;
  createdAt: string;
}

/** The columns a user view is made of (never secrets), for queries that select only those. */
export const USER_VIEW_COLUMNS = {
  id: users.id,
  tenantId: users.tenantId,
  kind: users.kind,
  email: users.email,
  name: users.name,
  status: users.status,
  emailVerifiedAt: users.emailVerifiedAt,
  mfaEnabledAt: users.mfaEnabledAt,
  locale: users.locale,
  phone: users.phone,
  lastLoginAt: users.lastLoginAt,
  createdAt: users.createdAt,
};
export type UserViewRow = Pick<UserRow, keyof typeof USER_VIEW_COLUMNS>;

export function toUserView(user: UserViewRow, roleKeys: string[]): UserView {
  return {
    id: user.id,
    kind: user.kind,
    email: user.email,
    name: user.name,
    status: user.status,
    emailVerified: user.emailVerifiedAt !== null,
    mfaEnabled: user.mfaEnabledAt !== null,
    locale: user.locale,
    phone: user.phone,
    roles: roleKeys,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

export async function viewOf(tx: Tx, user: UserRow): Promise<UserView> {
  return toUserView(user, (await roleKeysOf(tx, [user.id])).get(user.id) ?? []);
}

/** The user of the transaction's tenant (or the platform, with no tenant) with this email. */
export async function findUserByEmail(tx: Tx, email: string): Promise<UserRow | undefined> {
  const [row] = await tx.db
    .select()
    .from(users)
    .where(eq(users.emailKey, emailKey(email)))
    .limit(1);
  return row;
}

export async function getUser(tx: Tx, id: string): Promise<UserRow> {
  const [row] = await tx.db.select().from(users).where(eq(users.id, id)).limit(1);
  if (!row || row.status === 'erased') throw new AppError('users.not_found', 404, 'No such user.');
  return row;
}

export interface NewUser {
  kind: UserKind;
  email: string;
  name: string;
  /** Absent: the user sets one through the emailed link. */
  password?: string | undefined;
  /** A password already checked and hashed (a sign-up finished by a job). */
  passwordHash?: string | undefined;
  status?: UserStatus;
  roles?: string[];
  locale?: string | undefined;
  phone?: string | undefined;
  emailVerified?: boolean;
}

/**
 * Creates a user with its roles, which must be roles the actor may give (privileges.ts); 409 when the
 * email is taken in this tenant (or on the platform).
 */
export async function createUser(tx: Tx, input: NewUser): Promise<UserRow> {
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password, input.email);
    if (problem) throw weakPassword(problem);
  }
  const roleRows =
    input.kind === 'platform'
      ? []
      : await rolesByKeys(tx, input.roles ?? [], input.kind === 'staff' ? 'staff' : 'customer');
  assertMayAssign(tx.ctx.actor, null, roleRows);
  const [row] = await tx.db
    .insert(users)
    .values({
      tenantId: input.kind === 'platform' ? null : tx.ctx.tenantId,
      id: uuidv7(),
      kind: input.kind,
      email: input.email.trim(),
      emailKey: emailKey(input.email),
      name: input.name.trim(),
      passwordHash:
        input.password === undefined ? (input.passwordHash ?? null) : await hashPassword(input.password),
      status: input.status ?? 'active',
      emailVerifiedAt: input.emailVerified ? new Date() : null,
      locale: input.locale ?? null,
      phone: input.phone ?? null,
    })
    .onConflictDoNothing()
    .returning();
  if (!row)
    throw new AppError('users.email_taken', 409, 'An account with this email already exists.', {
      field: 'email',
    });
  if (input.kind !== 'platform') await assignRoles(tx, row.id, roleRows);
  await audit(tx, {
    action: 'user.created',
    entityType: 'user',
    entityId: row.id,
    after: { ...publicFields(row), roles: roleRows.map((r) => r.key) },
  });
  return row;
}

export interface UserListQuery {
  kind?: UserKind | undefined;
  status?: UserStatus | undefined;
  /** Part of the name or email, matched without regard to case (Turkish letters included). */
  q?: string | undefined;
  limit: number;
  after?: string | undefined;
}

export async function listUsers(tx: Tx, query: UserListQuery): Promise<UserRow[]> {
  const filters: SQL[] = [ne(users.status, 'erased')];
  if (query.kind) filters.push(eq(users.kind, query.kind));
  if (query.status) filters.push(eq(users.status, query.status));
  if (query.after) filters.push(lt(users.id, query.after));
  if (query.q) {
    const pattern = `%${escapeLike(query.q)}%`;
    // ILIKE folds ASCII case; the Turkish-cased variants match İ/i and I/ı in names. Emails are
    // matched on their folded key, which already treats every i alike.
    const names = new Set([pattern, pattern.toLocaleUpperCase('tr-TR'), pattern.toLocaleLowerCase('tr-TR')]);
    filters.push(
      or(
        ...[...names].map((p) => ilike(users.name, p)),
        ilike(users.emailKey, `%${escapeLike(emailKey(query.q))}%`),
      )!,
    );
  }
  return tx.db
    .select()
    .from(users)
    .where(and(...filters))
    .orderBy(desc(users.id))
    .limit(query.limit + 1);
}

export interface UserChanges {
  name?: string | undefined;
  locale?: string | null | undefined;
  phone?: string | null | undefined;
}

export async function updateUser(tx: Tx, id: string, changes: UserChanges): Promise<UserRow> {
  const before = await getUser(tx, id);
  const [after] = await tx.db
    .update(users)
    .set({
      ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      ...(changes.locale !== undefined ? { locale: changes.locale } : {}),
      ...(changes.phone !== undefined ? { phone: changes.phone } : {}),
      updatedAt: new Date(),
    })
    .where(eq(users.id, id))
    .returning();
  await audit(tx, {
    action: 'user.updated',
    entityType: 'user',
    entityId: id,
    before: publicFields(before),
    after: publicFields(after!),
  });
  return after!;
}

export async function setUserStatus(
  tx: Tx,
  id: string,
  status: UserStatus,
  action: string,
): Promise<UserRow> {
  const before = await getUser(tx, id);
  const [after] = await tx.db
    .update(users)
    .set({ status, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  // A deactivated user's tokens are refused at once everywhere; reactivation lifts that (its earlier
  // sessions stay ended).
  if (status === 'deactivated' || status === 'erased') {
    await revokeAccess(tx, [{ kind: 'user_blocked', subjectId: id }]);
  } else if (before.status === 'deactivated') {
    await revokeAccess(tx, [{ kind: 'user_unblocked', subjectId: id }]);
  }
  await audit(tx, {
    action,
    entityType: 'user',
    entityId: id,
    before: { status: before.status },
    after: { status },
  });
  return after!;
}

export async function setUserRoles(tx: Tx, id: string, roleKeys: string[]): Promise<UserRow> {
  const user = await getUser(tx, id);
  if (user.kind === 'platform') throw new AppError('users.not_found', 404, 'No such user.');
  const before = (await roleKeysOf(tx, [id])).get(id) ?? [];
  const roleRows = await rolesByKeys(tx, roleKeys, user.kind === 'staff' ? 'staff' : 'customer');
  assertMayAssign(tx.ctx.actor, id, roleRows);
  await assignRoles(tx, id, roleRows);
  // Tokens the user holds name its old roles: from the next request they count with the new ones.
  await revokeAccess(tx, [{ kind: 'user_roles', subjectId: id, roles: roleRows.map((r) => r.key) }]);
  await audit(tx, {
    action: 'user.roles_changed',
    entityType: 'user',
    entityId: id,
    before: { roles: before },
    after: { roles: roleRows.map((r) => r.key).sort() },
  });
  return user;
}

export async function setPassword(tx: Tx, user: UserRow, password: string): Promise<void> {
  const problem = passwordProblem(password, user.email);
  if (problem) throw weakPassword(problem);
  await tx.db
    .update(users)
    .set({ passwordHash: await hashPassword(password), updatedAt: new Date() })
    .where(eq(users.id, user.id));
}

export function weakPassword(problem: string): AppError {
  return new AppError('auth.weak_password', 400, `The password ${problem}.`, {
    errors: [{ in: 'body', field: 'password', message: problem }],
  });
}

/** Fields safe to keep in the audit log. */
export function publicFields(user: UserRow) {
  return {
    email: user.email,
    name: user.name,
    kind: user.kind,
    status: user.status,
    locale: user.locale,
    phone: user.phone,
  };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
