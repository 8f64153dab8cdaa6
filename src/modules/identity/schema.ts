import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn, tenantIsolation, tenantOrPlatformIsolation } from '../../db/tenant-policy.js';

export const USER_KINDS = ['staff', 'customer', 'platform'] as const;
export type UserKind = (typeof USER_KINDS)[number];

export const USER_STATUSES = [
  'active',
  'pending_verification',
  'pending_approval',
  'deactivated',
  'erased',
] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/**
 * People who sign in. Staff and customers belong to one tenant; platform administrators (kind
 * `platform`) to none (tenant_id NULL). `email_key` is the case-folded email that must be unique.
 */
export const users = pgTable(
  'users',
  {
    tenantId: uuid('tenant_id'),
    id: uuid('id').primaryKey(),
    kind: text('kind', { enum: USER_KINDS }).notNull(),
    email: text('email').notNull(),
    emailKey: text('email_key').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash'),
    status: text('status', { enum: USER_STATUSES }).notNull().default('active'),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    locale: text('locale'),
    phone: text('phone'),
    /** Base32 TOTP secret; set at setup, in force once mfa_enabled_at is set. */
    mfaSecret: text('mfa_secret'),
    mfaEnabledAt: timestamp('mfa_enabled_at', { withTimezone: true }),
    /** The last TOTP time step accepted, so a code cannot be used twice. */
    mfaLastStep: bigint('mfa_last_step', { mode: 'number' }),
    mfaRecoveryHashes: text('mfa_recovery_hashes').array().notNull().default(sql`'{}'::text[]`),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('users_tenant_email_key').on(t.tenantId, t.emailKey).nullsNotDistinct(),
    check('users_kind_check', sql`${t.kind} IN ('staff', 'customer', 'platform')`),
    check('users_platform_check', sql`(${t.kind} = 'platform') = (${t.tenantId} IS NULL)`),
    check(
      'users_status_check',
      sql`${t.status} IN ('active', 'pending_verification', 'pending_approval', 'deactivated', 'erased')`,
    ),
    index('users_tenant_created_idx').on(t.tenantId, t.createdAt),
    tenantOrPlatformIsolation(),
  ],
);
export type UserRow = typeof users.$inferSelect;

/** A signed-in device: one refresh-token family. Revoking it ends the session everywhere. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    tenantId: uuid('tenant_id'),
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    remember: boolean('remember').notNull().default(false),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('auth_sessions_user_idx').on(t.tenantId, t.userId, t.createdAt), tenantOrPlatformIsolation()],
);
export type AuthSessionRow = typeof authSessions.$inferSelect;

/** Opaque refresh tokens, stored hashed; each is used once and replaced (rotation). */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tenantId: uuid('tenant_id'),
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash),
    index('refresh_tokens_session_idx').on(t.tenantId, t.sessionId),
    tenantOrPlatformIsolation(),
  ],
);

export const ONE_TIME_PURPOSES = ['verify_email', 'reset_password', 'mfa_login'] as const;
export type OneTimePurpose = (typeof ONE_TIME_PURPOSES)[number];

/** Single-use, expiring tokens mailed or handed to the user (verification, reset, second factor). */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    tenantId: uuid('tenant_id'),
    id: uuid('id').primaryKey(),
    userId: uuid('user_id').notNull(),
    purpose: text('purpose', { enum: ONE_TIME_PURPOSES }).notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('one_time_tokens_hash_key').on(t.tokenHash),
    index('one_time_tokens_user_idx').on(t.tenantId, t.userId, t.purpose),
    tenantOrPlatformIsolation(),
  ],
);

/** Failed sign-ins, counted per account and per address for lockout. */
export const loginFailures = pgTable(
  'login_failures',
  {
    tenantId: uuid('tenant_id'),
    id: uuid('id').primaryKey(),
    emailKey: text('email_key').notNull(),
    ip: text('ip'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('login_failures_email_idx').on(t.tenantId, t.emailKey, t.at),
    index('login_failures_ip_idx').on(t.tenantId, t.ip, t.at),
    tenantOrPlatformIsolation(),
  ],
);

export const ROLE_AUDIENCES = ['staff', 'customer'] as const;
export type RoleAudience = (typeof ROLE_AUDIENCES)[number];

/** Named sets of permissions, per tenant. Built-in roles are editable copies made for each tenant. */
export const roles = pgTable(
  'roles',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    audience: text('audience', { enum: ROLE_AUDIENCES }).notNull(),
    permissions: text('permissions').array().notNull().default(sql`'{}'::text[]`),
    builtIn: boolean('built_in').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('roles_tenant_key').on(t.tenantId, t.key),
    check('roles_audience_check', sql`${t.audience} IN ('staff', 'customer')`),
    tenantIsolation(),
  ],
);
export type RoleRow = typeof roles.$inferSelect;

export const userRoles = pgTable(
  'user_roles',
  {
    tenantId: tenantIdColumn(),
    userId: uuid('user_id').notNull(),
    roleId: uuid('role_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.userId, t.roleId] }),
    index('user_roles_role_idx').on(t.tenantId, t.roleId),
    tenantIsolation(),
  ],
);

/** System-to-system credentials: `ck_<id>_<secret>`; only a hash of the secret is kept. */
export const apiKeys = pgTable(
  'api_keys',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    secretHash: text('secret_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    allowedIps: text('allowed_ips').array(),
    createdBy: uuid('created_by').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('api_keys_id_key').on(t.id),
    tenantIsolation(),
  ],
);
export type ApiKeyRow = typeof apiKeys.$inferSelect;

export const REVOCATION_KINDS = ['session', 'user_blocked', 'user_unblocked', 'user_roles'] as const;
export type RevocationKind = (typeof REVOCATION_KINDS)[number];

/**
 * Changes that access tokens already handed out must follow at once: a session ended, a user
 * deactivated (or back), a user's roles replaced. Every process keeps the last token lifetime's worth
 * in memory (revocations.ts), told of new rows as they commit; this table is what a process reads
 * when it starts or reconnects. Rows older than a day are deleted.
 */
export const accessRevocations = pgTable(
  'access_revocations',
  {
    tenantId: uuid('tenant_id'),
    id: uuid('id').primaryKey(),
    kind: text('kind', { enum: REVOCATION_KINDS }).notNull(),
    /** The session (kind `session`) or the user. */
    subjectId: uuid('subject_id').notNull(),
    /** For `user_roles`: the role keys the user holds from now on. */
    roles: text('roles').array(),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      'access_revocations_kind_check',
      sql`${t.kind} IN ('session', 'user_blocked', 'user_unblocked', 'user_roles')`,
    ),
    // Read across tenants by time when a process starts (see carsi_recent_access_revocations).
    index('access_revocations_created_idx').on(t.createdAt),
    tenantOrPlatformIsolation(),
  ],
);
