import { sql } from 'drizzle-orm';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/app.js';
import { systemContext } from '../kernel/context.js';
import { domainEvents } from '../kernel/events/schema.js';
import { createTenant } from '../modules/tenancy/index.js';
import { withTx } from './tx.js';

describe('row-level security', () => {
  let t: TestApp;
  let tenantA: string;
  let tenantB: string;
  let app: pg.Client;

  beforeAll(async () => {
    t = await createTestApp();
    [tenantA, tenantB] = await withTx(systemContext(t.runtime, null), async (tx) => [
      (await createTenant(tx, { slug: 'kiraci-a', name: 'A' })).id,
      (await createTenant(tx, { slug: 'kiraci-b', name: 'B' })).id,
    ]);
    for (const tenantId of [tenantA, tenantA, tenantB]) {
      await withTx(systemContext(t.runtime, tenantId), (tx) =>
        tx.db.insert(domainEvents).values({ tenantId, id: uuidv7(), type: 'probe.created', payload: {} }),
      );
    }
    app = new pg.Client({ connectionString: t.database.appUrl });
    await app.connect();
  });
  afterAll(async () => {
    await app?.end();
    await t?.close();
  });

  it('shows a query without a tenant filter only the current tenant’s rows', async () => {
    const count = (tenantId: string | null) =>
      withTx(
        systemContext(t.runtime, tenantId),
        async (tx) => (await tx.db.select().from(domainEvents)).length,
      );
    expect(await count(tenantA)).toBe(2);
    expect(await count(tenantB)).toBe(1);
    expect(await count(null)).toBe(0);
  });

  it('refuses to write a row for another tenant', async () => {
    await expect(
      withTx(systemContext(t.runtime, tenantA), (tx) =>
        tx.db
          .insert(domainEvents)
          .values({ tenantId: tenantB, id: uuidv7(), type: 'probe.created', payload: {} }),
      ),
    ).rejects.toThrow();
  });

  it('cannot read, update or delete another tenant’s rows even when it names them', async () => {
    const result = await withTx(systemContext(t.runtime, tenantA), async (tx) => ({
      seen: (await tx.db.execute(sql`SELECT id FROM tenants WHERE id = ${tenantB}`)).rowCount,
      updated: (await tx.db.execute(sql`UPDATE tenants SET name = 'taken' WHERE id = ${tenantB}`)).rowCount,
      deleted: (await tx.db.execute(sql`DELETE FROM tenants WHERE id = ${tenantB}`)).rowCount,
    }));
    expect(result).toEqual({ seen: 0, updated: 0, deleted: 0 });
    const rows = await t.ownerQuery<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [tenantB]);
    expect(rows[0]!.name).toBe('B');
  });

  it('keeps a write transaction’s tenant inside that transaction', async () => {
    const client = await t.runtime.db.pool.connect();
    try {
      await client.query(`BEGIN; SELECT set_config('app.tenant_id', '${tenantA}', true)`);
      await client.query('COMMIT');
      const { rows } = await client.query('SELECT app_current_tenant() AS tenant');
      expect(rows[0].tenant).toBeNull();
    } finally {
      client.release();
    }
  });

  it('sets the right tenant on reused connections whichever tenant used them before', async () => {
    const visibleTenants = (tenantId: string | null) =>
      withTx(
        systemContext(t.runtime, tenantId),
        async (tx) => (await tx.db.execute(sql`SELECT id FROM tenants ORDER BY id`)).rows.map((r) => r['id']),
        { readOnly: true },
      );
    const order = [tenantA, tenantB, null, tenantA, tenantA, null, tenantB];
    // Concurrent batches make the pool hand the same connections to different tenants in turn.
    for (let round = 0; round < 5; round++) {
      const seen = await Promise.all(order.map((tenant) => visibleTenants(tenant)));
      order.forEach((tenant, i) => {
        if (tenant === null) expect(seen[i]!.length).toBeGreaterThanOrEqual(3);
        else expect(seen[i]).toEqual([tenant]);
      });
    }
  });

  it('rolls back a failed write and leaves its connection clean for the next unit of work', async () => {
    await expect(
      withTx(systemContext(t.runtime, tenantA), async (tx) => {
        await tx.db
          .insert(domainEvents)
          .values({ tenantId: tenantA, id: uuidv7(), type: 'probe.rolled_back', payload: {} });
        await tx.db.execute(sql`SELECT 1 / 0`);
      }),
    ).rejects.toThrow();
    // Every pooled connection still works and none is left inside the failed transaction.
    const counts = await Promise.all(
      Array.from({ length: 25 }, () =>
        withTx(
          systemContext(t.runtime, tenantA),
          async (tx) =>
            (
              await tx.db.execute(
                sql`SELECT count(*)::int AS n FROM domain_events WHERE type = 'probe.rolled_back'`,
              )
            ).rows[0],
        ),
      ),
    );
    expect(counts.every((row) => (row as { n: number }).n === 0)).toBe(true);
  });

  it('runs the server as a role that is not a superuser and cannot bypass RLS', async () => {
    const { rows } = await app.query(
      'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  it('does not let the application role turn RLS off', async () => {
    await app.query('BEGIN');
    try {
      await app.query('SET LOCAL row_security = off');
      // With row_security off, a query that RLS would filter fails instead of seeing everything.
      await expect(app.query('SELECT * FROM domain_events')).rejects.toThrow(/row-level security/);
    } finally {
      await app.query('ROLLBACK');
    }
    await expect(app.query('ALTER TABLE domain_events DISABLE ROW LEVEL SECURITY')).rejects.toThrow(/owner/);
    await expect(app.query('DROP POLICY tenant_isolation ON domain_events')).rejects.toThrow(/owner/);
    await expect(app.query('SET ROLE postgres')).rejects.toThrow(/permission denied/);
    await expect(app.query('SELECT * FROM partitions.audit_logs_default')).rejects.toThrow(
      /permission denied/,
    );
  });

  it('has a tenant policy on every table with a tenant_id column', async () => {
    const { rows } = await app.query<{ table: string; rls: boolean; policies: number }>(`
      SELECT c.relname AS table, c.relrowsecurity AS rls,
             (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
       WHERE c.relkind IN ('r', 'p')`);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) expect(row, row.table).toMatchObject({ rls: true, policies: 1 });
  });
});
