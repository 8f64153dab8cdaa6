import { sql } from 'drizzle-orm';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../context.js';
import type { JobRegistry } from '../events/registry.js';

/** How many months of audit partitions exist ahead of the current one. */
export const AUDIT_MONTHS_AHEAD = 3;

/** Daily job keeping next months' audit partitions in place before rows arrive for them. */
export function registerAuditJobs(registry: JobRegistry): void {
  registry.schedule('audit-partitions', '15 2 * * *', async (_data, runtime) => {
    await withTx(systemContext(runtime, null), (tx) =>
      tx.db.execute(sql`SELECT carsi_ensure_audit_partitions(${AUDIT_MONTHS_AHEAD})`),
    );
  });
}
