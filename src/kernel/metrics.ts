import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database.js';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Records one HTTP request's duration (milliseconds in, seconds stored). */
  observeHttp(method: string, route: string, statusCode: number, elapsedMs: number): void;
  jobDuration: Histogram<'queue'>;
  jobFailures: Counter<'queue'>;
}

/** One registry per process (not prom-client's global one), so several apps can live in one test run. */
export function createMetrics(db: Database): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'carsi_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const pools = [
    ['primary', db.pool],
    ...(db.readPool !== db.pool ? ([['replica', db.readPool]] as const) : []),
  ] as const;
  new Gauge({
    name: 'carsi_db_pool_connections',
    help: 'Database pool connections by pool and state (in_use, idle, waiting = requests queued for a connection)',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
    collect() {
      for (const [name, pool] of pools) {
        this.set({ pool: name, state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ pool: name, state: 'idle' }, pool.idleCount);
        this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
      }
    },
  });

  new Gauge({
    name: 'carsi_job_queue_depth',
    help: 'Jobs per queue and state (created and retry are waiting; dead-letter holds jobs that used up their retries)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const { rows } = await db.pool.query<{ name: string; state: string; count: string }>(
        `SELECT name, state::text, count(*)::text AS count FROM pgboss.job
          WHERE state IN ('created', 'retry', 'active', 'failed') GROUP BY name, state`,
      );
      for (const row of rows) this.set({ queue: row.name, state: row.state }, Number(row.count));
    },
  });

  const jobDuration = new Histogram({
    name: 'carsi_job_duration_seconds',
    help: 'Duration of successful job runs by queue',
    labelNames: ['queue'] as const,
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120],
    registers: [registry],
  });
  const jobFailures = new Counter({
    name: 'carsi_job_failures_total',
    help: 'Job runs that threw, by queue (each is retried until its retry limit, then dead-lettered)',
    labelNames: ['queue'] as const,
    registers: [registry],
  });

  // One child per label set, found by a string key: cheaper per request than hashing a label object.
  const httpChildren = new Map<string, { observe(value: number): void }>();
  const observeHttp = (method: string, route: string, statusCode: number, elapsedMs: number) => {
    const key = `${method} ${statusCode} ${route}`;
    let child = httpChildren.get(key);
    if (!child) {
      child = httpDuration.labels({ method, route, status_code: statusCode });
      httpChildren.set(key, child);
    }
    child.observe(elapsedMs / 1000);
  };

  return { registry, httpDuration, observeHttp, jobDuration, jobFailures };
}
