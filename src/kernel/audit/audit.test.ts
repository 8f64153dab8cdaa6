import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { withTx } from '../../db/tx.js';
import type { RequestContext } from '../context.js';
import { audit } from './audit.js';
import { AUDIT_MONTHS_AHEAD } from './partitions.js';
import { auditLogs } from './schema.js';

describe('audit log', () => {
  let t: TestApp;
  let tenantId: string;
  let ctx: RequestContext;

  beforeAll(async () => {
    t = await createTestApp();
    tenantId = await t.tenantId('demo');
    ctx = {
      runtime: t.runtime,
      tenantId,
      actor: { type: 'user', id: 'user-1' },
      requestId: 'req-audit',
      ip: '203.0.113.9',
      userAgent: 'test-agent',
    };
  });
  afterAll(() => t?.close());

  it('records who changed what, from where, in the caller’s transaction', async () => {
    await withTx(ctx, (tx) =>
      audit(tx, {
        action: 'probe.updated',
        entityType: 'probe',
        entityId: 'p1',
        before: { a: 1 },
        after: { a: 2 },
      }),
    );
    const rows = await withTx(ctx, (tx) =>
      tx.db.select().from(auditLogs).where(sql`action = 'probe.updated'`),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      tenantId,
      actorType: 'user',
      actorId: 'user-1',
      entityType: 'probe',
      entityId: 'p1',
      before: { a: 1 },
      after: { a: 2 },
      ip: '203.0.113.9',
      userAgent: 'test-agent',
      requestId: 'req-audit',
    });
  });

  it('writes nothing when the change rolls back', async () => {
    await expect(
      withTx(ctx, async (tx) => {
        await audit(tx, { action: 'probe.discarded', entityType: 'probe', entityId: 'p2' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow();
    const rows = await withTx(ctx, (tx) =>
      tx.db.select().from(auditLogs).where(sql`action = 'probe.discarded'`),
    );
    expect(rows).toHaveLength(0);
  });

  it('stores rows in monthly partitions prepared ahead, not in the default one', async () => {
    const owner = new pg.Client({ connectionString: t.database.ownerUrl });
    await owner.connect();
    try {
      const { rows } = await owner.query<{ name: string }>(`
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'public.audit_logs'::regclass ORDER BY 1`);
      const monthly = rows.map((r) => r.name).filter((n) => n !== 'audit_logs_default');
      expect(monthly.length).toBeGreaterThanOrEqual(AUDIT_MONTHS_AHEAD + 1);
      const now = new Date();
      const current = `audit_logs_${now.getUTCFullYear()}_${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
      expect(monthly).toContain(current);
      const inDefault = await owner.query('SELECT count(*)::int AS n FROM partitions.audit_logs_default');
      expect(inDefault.rows[0].n).toBe(0);
    } finally {
      await owner.end();
    }
  });

  it('lets the scheduled job create further months as the application role', async () => {
    const created = await withTx(ctx, (tx) =>
      tx.db.execute(sql`SELECT carsi_ensure_audit_partitions(6) AS n`),
    );
    expect(created.rows[0]).toEqual({ n: 6 - AUDIT_MONTHS_AHEAD });
    const again = await withTx(ctx, (tx) => tx.db.execute(sql`SELECT carsi_ensure_audit_partitions(6) AS n`));
    expect(again.rows[0]).toEqual({ n: 0 });
  });

  it('is append-only for the application role', async () => {
    const insufficientPrivilege = { cause: { code: '42501' } };
    await expect(
      withTx(ctx, (tx) => tx.db.execute(sql`UPDATE audit_logs SET action = 'forged'`)),
    ).rejects.toMatchObject(insufficientPrivilege);
    await expect(withTx(ctx, (tx) => tx.db.execute(sql`DELETE FROM audit_logs`))).rejects.toMatchObject(
      insufficientPrivilege,
    );
  });
});
