import { and, inArray, lt, sql } from 'drizzle-orm';
import { withTx } from '../../../db/tx.js';
import { type Runtime, systemContext } from '../../../kernel/context.js';
import type { JobRegistry } from '../../../kernel/events/registry.js';
import { catalogImports } from '../schema.js';
import { failImport } from './import.job.js';
import { IMPORT_REQUESTED } from './import.service.js';

/*
 * The job's own error handling marks an import failed after its last attempt, but a worker killed
 * during that last attempt never gets the chance: the queue gives the job up, and the import would
 * show "running" for ever. Every ten minutes this looks for imports still queued or running that no
 * job will ever pick up again, and marks them failed. An import's job is enqueued in the transaction
 * that creates it (and a continuation before the run that queues it ends), so "no live job" is exact;
 * the age threshold only keeps the check away from imports created moments ago.
 */

export const IMPORT_WATCHDOG = 'catalog-import-watchdog';
const RUN_QUEUE = `${IMPORT_REQUESTED}/run`;

export function registerImportWatchdog(registry: JobRegistry): void {
  registry.schedule(IMPORT_WATCHDOG, '*/10 * * * *', async (_data, runtime) => {
    await failOrphanedImports(runtime);
  });
}

/** Marks failed every import of any tenant left without a job; returns how many. */
export async function failOrphanedImports(runtime: Runtime, minAgeMinutes = 10): Promise<number> {
  const tenants = await withTx(
    systemContext(runtime, null),
    async (tx) => (await tx.client.query<{ id: string }>('SELECT id FROM tenants')).rows.map((r) => r.id),
    { readOnly: true },
  );
  let failed = 0;
  for (const tenantId of tenants) {
    const ctx = systemContext(runtime, tenantId);
    const orphans = await withTx(
      ctx,
      (tx) =>
        tx.db
          .select({ id: catalogImports.id })
          .from(catalogImports)
          .where(
            and(
              inArray(catalogImports.status, ['queued', 'running']),
              lt(catalogImports.createdAt, sql`now() - make_interval(mins => ${minAgeMinutes})`),
              // pg-boss orders its states: created < retry < active < completed, cancelled, failed.
              sql`NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = ${RUN_QUEUE} AND j.state <= 'active'
                                 AND j.data->'payload'->>'importId' = ${catalogImports.id}::text)`,
            ),
          ),
      { readOnly: true },
    );
    for (const orphan of orphans) {
      runtime.log.warn(
        { tenantId, importId: orphan.id },
        'catalog import left without a job; marking it failed',
      );
      await failImport(ctx, orphan.id, [
        {
          row: 0,
          field: null,
          message:
            'The import stopped and could not be resumed. The products it wrote are kept; importing the ' +
            'file again is safe: existing products are updated, not duplicated.',
        },
      ]);
      failed++;
    }
  }
  return failed;
}
