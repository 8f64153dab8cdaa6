import { eq } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/app.js';
import { systemContext } from '../kernel/context.js';
import { domainEvents } from '../kernel/events/schema.js';
import { createTenant } from '../modules/tenancy/index.js';
import { asTenant, type Tx, withTx } from './tx.js';

describe('work done before the commit (Tx.beforeCommit)', () => {
  let t: TestApp;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    t = await createTestApp();
    [tenantA, tenantB] = await withTx(systemContext(t.runtime, null), async (tx) => [
      (await createTenant(tx, { slug: 'oncesi-a', name: 'A' })).id,
      (await createTenant(tx, { slug: 'oncesi-b', name: 'B' })).id,
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Gathers ids; the work writes one event naming them all, as the tenant it runs as. */
  const gather = (tx: Tx, ids: string[], runs: string[][]) => {
    const tenantId = tx.ctx.tenantId;
    const pending = tx.beforeCommit(
      `test.gathered:${tenantId}`,
      () => new Set<string>(),
      (all, root) => {
        const write = async (own: Tx) => {
          runs.push([...all]);
          const [{ tenant }] = (await own.client.query("SELECT current_setting('app.tenant_id') AS tenant"))
            .rows as [{ tenant: string }];
          await own.db.insert(domainEvents).values({
            tenantId: tenant,
            id: uuidv7(),
            type: 'test.gathered',
            payload: { ids: [...all].sort() },
          });
        };
        return root.ctx.tenantId === tenantId ? write(root) : asTenant(root, tenantId, write);
      },
    );
    for (const id of ids) pending.add(id);
  };
  const gatheredEvents = (tenantId: string) =>
    withTx(systemContext(t.runtime, tenantId), (tx) =>
      tx.db.select().from(domainEvents).where(eq(domainEvents.type, 'test.gathered')),
    );

  it('runs once with what every call gathered, inside the transaction, before it commits', async () => {
    const runs: string[][] = [];
    await withTx(systemContext(t.runtime, tenantA), async (tx) => {
      gather(tx, ['a', 'b'], runs);
      gather({ ...tx }, ['b', 'c'], runs);
      expect(runs).toEqual([]);
    });
    expect(runs).toEqual([['a', 'b', 'c']]);
    expect((await gatheredEvents(tenantA)).map((e) => e.payload)).toEqual([{ ids: ['a', 'b', 'c'] }]);
  });

  it('runs nothing when the unit of work fails, and its own failure rolls everything back', async () => {
    const runs: string[][] = [];
    await expect(
      withTx(systemContext(t.runtime, tenantA), async (tx) => {
        gather(tx, ['x'], runs);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(runs).toEqual([]);

    await expect(
      withTx(systemContext(t.runtime, tenantA), async (tx) => {
        await tx.db
          .insert(domainEvents)
          .values({ tenantId: tenantA, id: uuidv7(), type: 'test.gathered', payload: { ids: ['kept?'] } });
        tx.beforeCommit(
          'test.failing',
          () => null,
          async () => {
            throw new Error('work failed');
          },
        );
      }),
    ).rejects.toThrow('work failed');
    expect(await gatheredEvents(tenantA)).toHaveLength(1);
  });

  it('runs work gathered inside asTenant as that tenant, and work gathered by work after it', async () => {
    const runs: string[][] = [];
    await withTx(systemContext(t.runtime, tenantA), async (tx) => {
      await asTenant(tx, tenantB, async (b) => gather(b, ['other'], runs));
      tx.beforeCommit(
        'test.first',
        () => null,
        async (_state, root) => gather(root, ['late'], runs),
      );
    });
    expect(runs).toEqual([['other'], ['late']]);
    expect((await gatheredEvents(tenantB)).map((e) => e.payload)).toEqual([{ ids: ['other'] }]);
    expect((await gatheredEvents(tenantA)).map((e) => e.payload)).toContainEqual({ ids: ['late'] });
  });
});
