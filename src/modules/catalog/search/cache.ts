/**
 * A small per-process cache of computed answers, per tenant, that expire after a fixed time. Callers
 * asking for an answer already being computed share that computation, so the moment an entry expires
 * under load costs one query, not one per waiting request. The least recently used entries go first
 * when it is full; failures are not kept.
 */
export class TenantCache<V> {
  private readonly entries = new Map<string, { tenantId: string; expiresAt: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(tenantId: string, key: string, load: () => Promise<V>): Promise<V> {
    const id = `${tenantId}\n${key}`;
    const found = this.entries.get(id);
    const now = this.now();
    if (found && found.expiresAt > now) {
      // Re-inserted so that Map order is least recently used first.
      this.entries.delete(id);
      this.entries.set(id, found);
      return found.value;
    }
    const entry = { tenantId, expiresAt: now + this.ttlMs, value: load() };
    this.entries.delete(id);
    this.entries.set(id, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    entry.value.catch(() => {
      if (this.entries.get(id) === entry) this.entries.delete(id);
    });
    return entry.value;
  }

  /** Forgets a tenant's answers (after its catalog changed); computations under way finish for their callers only. */
  invalidate(tenantId: string): void {
    for (const [id, entry] of this.entries) if (entry.tenantId === tenantId) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
