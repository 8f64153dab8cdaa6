import { withTx } from '../../db/tx.js';
import type { Runtime } from '../../kernel/context.js';
import { systemContext } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import type { TenantRow } from './schema.js';
import { findTenantBySlug } from './service.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** How long a resolved tenant is trusted before it is read again; a suspension takes effect within it. */
export const TENANT_CACHE_TTL_MS = 5_000;

export interface ResolvedTenant {
  id: string;
  slug: string;
  status: TenantRow['status'];
}

/**
 * Maps a slug to its tenant for every request. Tenants change rarely and are read on every call, so a
 * resolved tenant is kept for a few seconds instead of being queried again per request.
 */
export class TenantDirectory {
  private readonly cache = new Map<string, { tenant: ResolvedTenant | null; expiresAt: number }>();

  constructor(private readonly runtime: Runtime) {}

  /** The active tenant for `slug`, or a 404/403 problem. */
  async resolve(slug: string): Promise<ResolvedTenant> {
    return this.resolveCached(slug) ?? checked(slug, SLUG.test(slug) ? await this.lookup(slug) : null);
  }

  /**
   * The same answer without waiting when the slug was resolved moments ago (the common case), so the
   * per-request hook stays synchronous; undefined when the tenant must be read.
   */
  resolveCached(slug: string): ResolvedTenant | undefined {
    const cached = this.cache.get(slug);
    if (!cached || cached.expiresAt <= Date.now()) return undefined;
    return checked(slug, cached.tenant);
  }

  /** Forget what was cached, so the next request reads the tenant again (after a status change). */
  invalidate(slug?: string): void {
    if (slug) this.cache.delete(slug);
    else this.cache.clear();
  }

  private async lookup(slug: string): Promise<ResolvedTenant | null> {
    const now = Date.now();
    const row = await withTx(systemContext(this.runtime, null), (tx) => findTenantBySlug(tx, slug), {
      readOnly: true,
    });
    const tenant = row ? { id: row.id, slug: row.slug, status: row.status } : null;
    // Unknown slugs are cached too, so a flood of bad X-Tenant values cannot turn into a flood of queries.
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(slug, { tenant, expiresAt: now + TENANT_CACHE_TTL_MS });
    return tenant;
  }
}

function checked(slug: string, tenant: ResolvedTenant | null): ResolvedTenant {
  if (!tenant) throw new AppError('tenant.not_found', 404, `No tenant "${slug.slice(0, 64)}".`);
  if (tenant.status === 'suspended') {
    throw new AppError('tenant.suspended', 403, `The tenant "${slug}" is suspended.`);
  }
  return tenant;
}
