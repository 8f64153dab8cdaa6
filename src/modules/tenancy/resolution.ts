import { eq } from 'drizzle-orm';
import { withTx } from '../../db/tx.js';
import type { Runtime } from '../../kernel/context.js';
import { systemContext } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import { isUuid } from '../../kernel/uuid.js';
import { type TenantRateLimits, type TenantRow, type TenantSettings, tenants } from './schema.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** How long a resolved tenant is trusted before it is read again; a suspension takes effect within it. */
export const TENANT_CACHE_TTL_MS = 5_000;

export interface ResolvedTenant {
  id: string;
  slug: string;
  status: TenantRow['status'];
  /** The tenant's own request limits, when it has any (applied by the rate limiter). */
  rateLimits: TenantRateLimits | undefined;
  /** Catalog reads need a signed-in caller (many B2B catalogs hide prices and products from guests). */
  catalogRequiresLogin: boolean;
  /** The language of the tenant's locale (`tr` for `tr-TR`): catalog texts and sorting default to it. */
  contentLocale: string;
}

type Entry = { tenant: ResolvedTenant | null; expiresAt: number };

/**
 * Maps a slug (from `X-Tenant`) or an id (from credentials) to its tenant for every request. Tenants
 * change rarely and are read on every call, so a resolved tenant is kept for a few seconds instead of
 * being queried per request; changes made in this process are seen at once (`invalidate`).
 */
export class TenantDirectory {
  private readonly bySlug = new Map<string, Entry>();
  private readonly byId = new Map<string, Entry>();

  constructor(private readonly runtime: Runtime) {}

  /** The active tenant for `slug`, or a 404/403 problem. */
  async resolve(slug: string): Promise<ResolvedTenant> {
    return (
      this.resolveCached(slug) ?? checked(slug, SLUG.test(slug) ? await this.lookup('slug', slug) : null)
    );
  }

  /** The same answer without waiting when the slug was resolved moments ago (the common case). */
  resolveCached(slug: string): ResolvedTenant | undefined {
    const cached = fresh(this.bySlug.get(slug));
    return cached === undefined ? undefined : checked(slug, cached);
  }

  /** The active tenant with this id (credentials name tenants by id), or a 404/403 problem. */
  async resolveId(id: string): Promise<ResolvedTenant> {
    return this.resolveIdCached(id) ?? checked(id, isUuid(id) ? await this.lookup('id', id) : null);
  }

  /** The tenant's own request limits, from the cache only (never waits: the limiter runs on every request). */
  rateLimitsOf(id: string): TenantRateLimits | undefined {
    return fresh(this.byId.get(id))?.rateLimits;
  }

  resolveIdCached(id: string): ResolvedTenant | undefined {
    const cached = fresh(this.byId.get(id));
    return cached === undefined ? undefined : checked(id, cached);
  }

  /** Forget what was cached, so the next request reads the tenant again (after a change). */
  invalidate(): void {
    this.bySlug.clear();
    this.byId.clear();
  }

  private async lookup(by: 'slug' | 'id', value: string): Promise<ResolvedTenant | null> {
    const row = await withTx(
      systemContext(this.runtime, null),
      async (tx) => {
        const [found] = await tx.db
          .select({ id: tenants.id, slug: tenants.slug, status: tenants.status, settings: tenants.settings })
          .from(tenants)
          .where(by === 'slug' ? eq(tenants.slug, value) : eq(tenants.id, value))
          .limit(1);
        return (
          found && {
            id: found.id,
            slug: found.slug,
            status: found.status,
            rateLimits: found.settings.rateLimits,
            catalogRequiresLogin: found.settings.catalog?.requireLogin === true,
            contentLocale: contentLanguageOf(found.settings),
          }
        );
      },
      { readOnly: true },
    );
    const tenant = row ?? null;
    // Unknown values are cached too, so a flood of bad X-Tenant values cannot turn into a flood of queries.
    if (this.bySlug.size + this.byId.size > 10_000) this.invalidate();
    const entry = { tenant, expiresAt: Date.now() + TENANT_CACHE_TTL_MS };
    // A found tenant is cached under both names, so either lookup finds it next time.
    if (by === 'slug' || tenant) this.bySlug.set(tenant?.slug ?? value, entry);
    if (by === 'id' || tenant) this.byId.set(tenant?.id ?? value, entry);
    return tenant;
  }
}

/** The language of a tenant's locale (`tr` for `tr-TR`; `tr` when none is set): its catalog texts' default. */
export function contentLanguageOf(settings: TenantSettings): string {
  return (settings.locale ?? 'tr').split('-')[0]!.toLowerCase();
}

function fresh(entry: Entry | undefined): ResolvedTenant | null | undefined {
  return entry && entry.expiresAt > Date.now() ? entry.tenant : undefined;
}

function checked(name: string, tenant: ResolvedTenant | null): ResolvedTenant {
  if (!tenant) throw new AppError('tenant.not_found', 404, `No tenant "${name.slice(0, 64)}".`);
  if (tenant.status === 'suspended') {
    throw new AppError('tenant.suspended', 403, `The tenant "${tenant.slug}" is suspended.`);
  }
  return tenant;
}

const directories = new WeakMap<Runtime, TenantDirectory>();

/** The process's one directory, so every part of it sees the same cache and its invalidations. */
export function tenantDirectoryOf(runtime: Runtime): TenantDirectory {
  let directory = directories.get(runtime);
  if (!directory) {
    directory = new TenantDirectory(runtime);
    directories.set(runtime, directory);
  }
  return directory;
}
