import type PgBoss from 'pg-boss';
import type { Runtime } from '../context.js';
import type { QueueDefinition } from '../events/registry.js';
import type { Metrics } from '../metrics.js';

/** Works every registered queue in this process and keeps the cron schedules. */
export class JobRunner {
  private running = false;

  constructor(
    private readonly runtime: Runtime,
    private readonly metrics: Metrics | null,
  ) {}

  isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const { boss, jobs, log } = this.runtime;
    for (const queue of jobs.all()) {
      for (let i = 0; i < queue.concurrency; i++) {
        await boss.work(
          queue.name,
          { batchSize: 1, pollingIntervalSeconds: 1, includeMetadata: true },
          (batch) => this.run(queue, batch),
        );
      }
      if (queue.cron) await boss.schedule(queue.name, queue.cron, {}, { tz: 'UTC' });
    }
    this.running = true;
    log.info({ queues: jobs.all().length }, 'job workers started');
  }

  /** Stops taking jobs and waits (bounded) for the ones in hand; unfinished ones are retried elsewhere. */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.runtime.boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: true });
  }

  private async run(queue: QueueDefinition, batch: PgBoss.JobWithMetadata<unknown>[]): Promise<void> {
    const { log } = this.runtime;
    for (const job of batch) {
      const started = process.hrtime.bigint();
      try {
        await queue.handler(job.data, this.runtime, {
          id: job.id,
          retryCount: job.retryCount,
          retryLimit: job.retryLimit,
        });
        this.metrics?.jobDuration.observe(
          { queue: queue.name },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
      } catch (error) {
        this.metrics?.jobFailures.inc({ queue: queue.name });
        log.warn({ err: error, queue: queue.name, jobId: job.id }, 'job failed; it will be retried');
        throw error;
      }
    }
  }
}
