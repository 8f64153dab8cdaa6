import { Counter, collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import type { Database } from '../db/database.js';

export interface Metrics {
  registry: Registry;
  /** Records one HTTP request's duration (milliseconds in, seconds stored). */
  observeHttp(method: string, route: string, statusCode: number, elapsedMs: number): void;
  jobDuration: Histogram<'queue'>;
  jobFailures: Counter<'queue'>;
}

/** One registry per process (not prom-client's global one), so several apps can live in one test run. */
export function createMetrics(db: Database): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new HttpDurations(
    'carsi_http_request_duration_seconds',
    'HTTP request duration by route template and status code',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  registry.registerMetric(httpDuration as unknown as Metric);

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

  const observeHttp = (method: string, route: string, statusCode: number, elapsedMs: number) =>
    httpDuration.observe(method, route, statusCode, elapsedMs / 1000);

  return { registry, observeHttp, jobDuration, jobFailures };
}

interface Series {
  /** Label values, in the order prom-client's histogram prints them. */
  labels: { method: string; route: string; status_code: number };
  /** Observations per bucket (not cumulative); those above the last bound are only in `count`. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A histogram by method, route and status code that costs one lookup and one add per request, where
 * prom-client's builds and hashes a label key on every observation. It is a metric of the registry in
 * prom-client's own shape (`get`/`getForPromString`), so /metrics prints it exactly as a prom-client
 * Histogram with the same name, help and buckets.
 */
export class HttpDurations {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Route → method → status code → series: label values are interned strings, so no key is built. */
  private series = new Map<string, Map<string, Map<number, Series>>>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    let byMethod = this.series.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.series.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let series = byStatus.get(statusCode);
    if (!series) {
      series = {
        labels: { method, route, status_code: statusCode },
        buckets: this.bounds.map(() => 0),
        sum: 0,
        count: 0,
      };
      byStatus.set(statusCode, series);
    }
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        series.buckets[i]! += 1;
        break;
      }
    }
    series.sum += seconds;
    series.count += 1;
  }

  reset(): void {
    this.series = new Map();
  }

  /** prom-client's Histogram#getForPromString: series labels as shared labels, `le` as the value's own. */
  getForPromString() {
    const values: {
      labels: { le?: number | string };
      sharedLabels: Series['labels'];
      value: number;
      metricName: string;
      exemplar?: null;
    }[] = [];
    const bucket = `${this.name}_bucket`;
    for (const byMethod of this.series.values()) {
      for (const byStatus of byMethod.values()) {
        for (const series of byStatus.values()) {
          const sharedLabels = series.labels;
          let cumulative = 0;
          this.bounds.forEach((le, i) => {
            cumulative += series.buckets[i]!;
            values.push({
              labels: { le },
              sharedLabels,
              value: cumulative,
              metricName: bucket,
              exemplar: null,
            });
          });
          values.push(
            { labels: { le: '+Inf' }, sharedLabels, value: series.count, metricName: bucket, exemplar: null },
            { labels: {}, sharedLabels, value: series.sum, metricName: `${this.name}_sum` },
            { labels: {}, sharedLabels, value: series.count, metricName: `${this.name}_count` },
          );
        }
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** prom-client's Histogram#get: every value with all its labels. */
  get() {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, ...value }) => ({
        ...value,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }
}
