import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { LOCK_KEYS, withAdvisoryLock } from '../../db/advisory-lock.js';
import { DEAD_LETTER_QUEUE, type JobRegistry } from '../events/registry.js';

export interface BossOptions {
  /** Runs maintenance (expiring lost jobs, archiving) and cron scheduling: worker processes only. */
  supervise: boolean;
  /** Seconds between maintenance runs, which is how soon a job lost with its worker is retried. */
  maintenanceIntervalSeconds?: number;
}

/**
 * The queue runs on the owner connection: its maintenance creates and drops partitions, which the
 * application role may not. Jobs are still enqueued on the caller's transaction (see emit).
 */
export function createBoss(ownerUrl: string, log: Logger, options: BossOptions): PgBoss {
  const boss = new PgBoss({
    connectionString: ownerUrl,
    application_name: 'carsi-jobs',
    max: 4,
    migrate: false,
    supervise: options.supervise,
    schedule: options.supervise,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
    ...(options.supervise ? { monitorStateIntervalSeconds: 60 } : {}),
  });
  // Only message and code: pg errors carry their whole client object, which would flood the log.
  boss.on('error', (error: Error & { code?: string }) =>
    log.error({ error: error.message, code: error.code }, 'job queue error'),
  );
  return boss;
}

/**
 * Starts the queue client, creates missing queues and brings existing ones to the registry's retry
 * policy (idempotent). Both are DDL (a partition per queue; starting the scheduler creates pg-boss's
 * own queue), so they run under the start-up schema lock: processes starting together take turns
 * instead of colliding with each other's migrations and grants.
 */
export function startBoss(boss: PgBoss, registry: JobRegistry, ownerUrl: string): Promise<void> {
  return withAdvisoryLock(ownerUrl, LOCK_KEYS.schemaChanges, async () => {
    await boss.start();
    await createOrUpdateQueues(boss, registry);
  });
}

async function createOrUpdateQueues(boss: PgBoss, registry: JobRegistry): Promise<void> {
  if (!(await boss.getQueue(DEAD_LETTER_QUEUE))) {
    // Dead jobs wait 30 days for someone to look at them.
    await boss.createQueue(DEAD_LETTER_QUEUE, { name: DEAD_LETTER_QUEUE, retentionMinutes: 30 * 24 * 60 });
  }
  for (const queue of registry.all()) {
    const options: PgBoss.Queue = {
      name: queue.name,
      policy: 'standard',
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: queue.retryBackoff,
      expireInSeconds: queue.expireInSeconds,
      deadLetter: DEAD_LETTER_QUEUE,
    };
    if (await boss.getQueue(queue.name)) await boss.updateQueue(queue.name, options);
    else await boss.createQueue(queue.name, options);
  }
}
