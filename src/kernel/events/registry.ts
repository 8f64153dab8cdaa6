import type { Runtime } from '../context.js';

export interface JobInfo {
  id: string;
  /** How many times this job has been retried before this run (0 on the first run). */
  retryCount: number;
  /** Retries the job may have in all: its queue's policy when it was enqueued. */
  retryLimit: number;
}

/**
 * Whether a failure of this run is the job's last: the queue then moves it to the dead-letter queue
 * instead of retrying, so a handler that keeps a state of its own (a message, an import) records the
 * failure as final before it throws.
 */
export function isLastAttempt(job: JobInfo): boolean {
  return job.retryCount >= job.retryLimit;
}

export type JobHandler<T> = (data: T, runtime: Runtime, job: JobInfo) => Promise<void>;

export interface RetryPolicy {
  /** Attempts after the first one before the job goes to the dead-letter queue. */
  retryLimit: number;
  /** First retry delay in seconds; doubles on each retry (with jitter) when backoff is on. */
  retryDelaySeconds: number;
  retryBackoff: boolean;
  /** A running job not finished within this many seconds is taken as lost and retried. */
  expireInSeconds: number;
}

export interface QueueDefinition<T = unknown> extends RetryPolicy {
  name: string;
  handler: JobHandler<T>;
  /** Cron expression (UTC) when the queue is fed by a schedule. */
  cron?: string;
  /** Jobs handled at once by one worker process. */
  concurrency: number;
}

export const DEAD_LETTER_QUEUE = 'dead-letter';

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retryLimit: 8,
  retryDelaySeconds: 5,
  retryBackoff: true,
  expireInSeconds: 15 * 60,
};

type QueueOptions = Partial<RetryPolicy> & { concurrency?: number };

/**
 * Every queue the process knows: event subscribers (one queue each, so one slow subscriber never
 * holds back another) and scheduled jobs. Built once at start from the modules' registrations.
 */
export class JobRegistry {
  private readonly queues = new Map<string, QueueDefinition>();
  private readonly subscribersByEvent = new Map<string, string[]>();

  /** Runs `handler` once for every `eventType` emitted, after the emitting transaction commits. */
  subscribe<T>(
    eventType: string,
    subscriberName: string,
    handler: JobHandler<T>,
    options: QueueOptions = {},
  ) {
    const queue = `${eventType}/${subscriberName}`;
    this.define(queue, handler as JobHandler<unknown>, options);
    const list = this.subscribersByEvent.get(eventType) ?? [];
    list.push(queue);
    this.subscribersByEvent.set(eventType, list);
  }

  /**
   * A queue of work a service asks for directly (`enqueue`), rather than as a subscriber of an event:
   * for work that must not run in the request, and whose data should not outlive the job in the
   * append-only event log (an email address, say).
   */
  task<T>(name: string, handler: JobHandler<T>, options: QueueOptions = {}) {
    this.define(name, handler as JobHandler<unknown>, options);
  }

  /** Runs `handler` on a cron schedule (UTC), once per tick across all worker processes. */
  schedule(
    name: string,
    cron: string,
    handler: JobHandler<Record<string, never>>,
    options: QueueOptions = {},
  ) {
    this.define(name, handler as JobHandler<unknown>, options, cron);
  }

  subscriberQueues(eventType: string): readonly string[] {
    return this.subscribersByEvent.get(eventType) ?? [];
  }

  all(): QueueDefinition[] {
    return [...this.queues.values()];
  }

  get(name: string): QueueDefinition | undefined {
    return this.queues.get(name);
  }

  private define(name: string, handler: JobHandler<unknown>, options: QueueOptions, cron?: string) {
    if (this.queues.has(name)) throw new Error(`Job queue "${name}" is registered twice`);
    if (name === DEAD_LETTER_QUEUE) throw new Error(`"${DEAD_LETTER_QUEUE}" is reserved`);
    const { concurrency = 2, ...retry } = options;
    this.queues.set(name, {
      ...DEFAULT_RETRY_POLICY,
      ...retry,
      name,
      handler,
      concurrency,
      ...(cron ? { cron } : {}),
    });
  }
}
