import { desc, eq, lt } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { preparedRows } from '../../db/prepared.js';
import { asTenant, type Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError } from '../../kernel/errors.js';
import { emit } from '../../kernel/events/emit.js';
import type { TenantProfile } from './contracts.js';
import { TENANT_LANGUAGE_CHANGED, type TenantLanguageChange } from './events.js';
import { contentLanguageOf, tenantDirectoryOf } from './resolution.js';
import { type TenantRow, type TenantSettings, type TenantStatus, tenants } from './schema.js';

export const DEFAULT_CURRENCY = 'TRY';
/** Needed, beside settings.manage, to change `links` (see updateCurrentTenantSettings). */
const LINKS_PERMISSION = 'users.manage';
export const DEFAULT_LOCALE = 'tr-TR';

export function toProfile(row: Pick<TenantRow, 'slug' | 'name' | 'settings'>): TenantProfile {
  return {
    slug: row.slug,
    name: row.name,
    defaultCurrency: row.settings.defaultCurrency ?? DEFAULT_CURRENCY,
    locale: row.settings.locale ?? DEFAULT_LOCALE,
  };
}

// Read on every storefront page load: prepared once per connection, answered as text (only the two
// settings the profile shows are taken out of the JSON, by PostgreSQL).
const selectTenantProfile = preparedRows(
  'tenancy_profile',
  `SELECT slug, name, settings->>'defaultCurrency', settings->>'locale' FROM tenants WHERE id = $1 LIMIT 1`,
);

/** The public profile of the transaction's tenant. */
export async function getCurrentTenantProfile(tx: Tx): Promise<TenantProfile> {
  const tenantId = tx.ctx.tenantId;
  if (!tenantId) throw new AppError('tenant.not_found', 404, 'No tenant was given.');
  const [row] = await selectTenantProfile(tx, [tenantId]);
  if (!row) throw new AppError('tenant.not_found', 404, 'The tenant does not exist.');
  const settings = { defaultCurrency: row[2] ?? undefined, locale: row[3] ?? undefined };
  return toProfile({ slug: row[0]!, name: row[1]!, settings });
}

/** Settings of the transaction's tenant ({} for the platform, which has none). */
export async function getCurrentTenantSettings(tx: Tx): Promise<TenantSettings> {
  if (!tx.ctx.tenantId) return {};
  const [row] = await tx.db
    .select({ settings: tenants.settings })
    .from(tenants)
    .where(eq(tenants.id, tx.ctx.tenantId))
    .limit(1);
  return row?.settings ?? {};
}

export async function findTenantBySlug(tx: Tx, slug: string): Promise<TenantRow | undefined> {
  const [row] = await tx.db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  return row;
}

export interface CreateTenantInput {
  slug: string;
  name: string;
  plan?: string;
  settings?: TenantSettings;
}

/** A platform-level action: runs with no tenant set and is audited as such. */
export async function createTenant(tx: Tx, input: CreateTenantInput): Promise<TenantRow> {
  const row = await insertTenant(tx, input);
  if (!row) {
    throw new AppError('tenant.slug_taken', 409, `A tenant with slug "${input.slug}" already exists.`, {
      field: 'slug',
    });
  }
  return row;
}

/** Creates the tenant when it is missing; used at start for DEFAULT_TENANT and by `carsi seed`. */
export async function ensureTenant(
  tx: Tx,
  input: CreateTenantInput,
): Promise<{ tenant: TenantRow; created: boolean }> {
  const existing = await findTenantBySlug(tx, input.slug);
  if (existing) return { tenant: existing, created: false };
  const created = await insertTenant(tx, input);
  if (created) return { tenant: created, created: true };
  // Another process created it between our read and our insert.
  return { tenant: (await findTenantBySlug(tx, input.slug))!, created: false };
}

/** Inserts and audits the tenant; undefined when the slug is taken (also by a concurrent insert). */
async function insertTenant(tx: Tx, input: CreateTenantInput): Promise<TenantRow | undefined> {
  const [row] = await tx.db
    .insert(tenants)
    .values({
      id: uuidv7(),
      slug: input.slug,
      name: input.name,
      plan: input.plan ?? 'standard',
      settings: { defaultCurrency: DEFAULT_CURRENCY, locale: DEFAULT_LOCALE, ...input.settings },
    })
    .onConflictDoNothing({ target: tenants.slug })
    .returning();
  if (row) await audit(tx, { action: 'tenant.created', entityType: 'tenant', entityId: row.id, after: row });
  return row;
}

export interface TenantSettingsView {
  defaultCurrency: string;
  locale: string;
  auth: NonNullable<TenantSettings['auth']>;
  catalog: NonNullable<TenantSettings['catalog']>;
  links: NonNullable<TenantSettings['links']>;
  rateLimits: NonNullable<TenantSettings['rateLimits']>;
}

function settingsView(settings: TenantSettings): TenantSettingsView {
  return {
    defaultCurrency: settings.defaultCurrency ?? DEFAULT_CURRENCY,
    locale: settings.locale ?? DEFAULT_LOCALE,
    auth: settings.auth ?? {},
    catalog: settings.catalog ?? {},
    links: settings.links ?? {},
    rateLimits: settings.rateLimits ?? {},
  };
}

export async function getCurrentTenantSettingsView(tx: Tx): Promise<TenantSettingsView> {
  return settingsView(await getCurrentTenantSettings(tx));
}

/** A tenant administrator's change to its own settings (audited; caches see it at once). */
export async function updateCurrentTenantSettings(
  tx: Tx,
  changes: TenantSettings,
): Promise<TenantSettingsView> {
  const tenantId = tx.ctx.tenantId;
  if (!tenantId) throw new AppError('tenant.required', 400, 'Settings belong to a tenant.');
  // Whoever sets where emailed links point could send every account's reset link to a site of
  // theirs: that is a power over accounts, so it also needs the permission that manages them.
  if (changes.links !== undefined && !tx.ctx.actor.permissions?.has(LINKS_PERMISSION)) {
    throw new AppError(
      'auth.forbidden',
      403,
      `Changing where emailed links point also needs the permission "${LINKS_PERMISSION}".`,
      { permission: LINKS_PERMISSION, field: 'links' },
    );
  }
  const updated = await updateTenant(tx, tenantId, { settings: changes });
  return settingsView(updated.settings);
}

export interface TenantChanges {
  name?: string | undefined;
  status?: TenantStatus | undefined;
  plan?: string | undefined;
  settings?: TenantSettings | undefined;
}

/** A platform-level change; settings are merged one level deep (a key set to null is removed). */
export async function updateTenant(tx: Tx, id: string, changes: TenantChanges): Promise<TenantRow> {
  const [before] = await tx.db.select().from(tenants).where(eq(tenants.id, id)).limit(1);
  if (!before) throw new AppError('tenant.not_found', 404, 'No such tenant.');
  const settings =
    changes.settings === undefined ? undefined : mergeSettings(before.settings, changes.settings);
  const [after] = await tx.db
    .update(tenants)
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.plan !== undefined ? { plan: changes.plan } : {}),
      ...(settings !== undefined ? { settings } : {}),
      updatedAt: new Date(),
    })
    .where(eq(tenants.id, id))
    .returning();
  await audit(tx, { action: 'tenant.updated', entityType: 'tenant', entityId: id, before, after });
  const from = contentLanguageOf(before.settings);
  const to = contentLanguageOf(after!.settings);
  if (from !== to) {
    // Events belong to a tenant; a platform administrator's change is announced as the tenant's.
    await asTenant(tx, id, (own) => emit<TenantLanguageChange>(own, TENANT_LANGUAGE_CHANGED, { from, to }));
  }
  tx.afterCommit(() => tenantDirectoryOf(tx.ctx.runtime).invalidate());
  return after!;
}

function mergeSettings(current: TenantSettings, changes: TenantSettings): TenantSettings {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else if (typeof value === 'object' && !Array.isArray(value) && typeof merged[key] === 'object') {
      merged[key] = { ...(merged[key] as object), ...(value as object) };
    } else merged[key] = value;
  }
  return merged as TenantSettings;
}

export async function listTenants(
  tx: Tx,
  query: { limit: number; after?: string | undefined },
): Promise<TenantRow[]> {
  return tx.db
    .select()
    .from(tenants)
    .where(query.after ? lt(tenants.id, query.after) : undefined)
    .orderBy(desc(tenants.id))
    .limit(query.limit + 1);
}

export async function getTenant(tx: Tx, id: string): Promise<TenantRow> {
  const [row] = await tx.db.select().from(tenants).where(eq(tenants.id, id)).limit(1);
  if (!row) throw new AppError('tenant.not_found', 404, 'No such tenant.');
  return row;
}
