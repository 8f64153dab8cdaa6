import { sql } from 'drizzle-orm';
import { check, jsonb, pgPolicy, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const TENANT_STATUSES = ['active', 'suspended'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** How a tenant's users sign up and sign in. */
export interface TenantAuthSettings {
  /** Self-registered users must confirm their email before they can sign in. */
  requireEmailVerification?: boolean;
  /** Self-registered users wait for staff approval before they can sign in. */
  requireApproval?: boolean;
  /** Every staff user must have two-factor authentication to sign in. */
  requireStaffMfa?: boolean;
}

/** Per-minute request limits for this tenant's callers, overriding the process-wide defaults. */
export interface TenantRateLimits {
  userPerMin?: number;
  apiKeyPerMin?: number;
  ipPerMin?: number;
}

/** Who may read the catalog. */
export interface TenantCatalogSettings {
  /** Products, categories and brands are shown to signed-in callers only (off by default). */
  requireLogin?: boolean;
}

/**
 * Where the tenant's front ends are, for links in emails (verify an address, reset a password,
 * accept an invitation). Unset: the server's own minimal pages under PUBLIC_URL/account.
 */
export interface TenantLinkSettings {
  /** The storefront or dealer portal customers use, e.g. https://bayi.example.com. */
  storefrontUrl?: string;
  /** The admin panel staff use, e.g. https://panel.example.com. */
  adminUrl?: string;
}

export interface TenantSettings {
  defaultCurrency?: string;
  locale?: string;
  auth?: TenantAuthSettings;
  links?: TenantLinkSettings;
  catalog?: TenantCatalogSettings;
  rateLimits?: TenantRateLimits;
  [key: string]: unknown;
}

/**
 * Inside a tenant's transaction only that tenant's row is visible. Resolving a tenant from its slug
 * and platform administration run with no tenant set, and see every row.
 */
export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    status: text('status', { enum: TENANT_STATUSES }).notNull().default('active'),
    plan: text('plan').notNull().default('standard'),
    settings: jsonb('settings').$type<TenantSettings>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tenants_slug_key').on(t.slug),
    check('tenants_status_check', sql`${t.status} IN ('active', 'suspended')`),
    check('tenants_slug_check', sql`${t.slug} ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'`),
    pgPolicy('tenant_isolation', {
      as: 'permissive',
      for: 'all',
      using: sql`app_current_tenant() IS NULL OR id = app_current_tenant()`,
      withCheck: sql`app_current_tenant() IS NULL OR id = app_current_tenant()`,
    }),
  ],
);

export type TenantRow = typeof tenants.$inferSelect;
