import { Histogram, type Metric, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpDurations } from './metrics.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

describe('HTTP duration histogram', () => {
  function both() {
    const reference = new Registry();
    const histogram = new Histogram({
      name: 'carsi_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: BUCKETS,
      registers: [reference],
    });
    const ours = new Registry();
    const durations = new HttpDurations(
      'carsi_http_request_duration_seconds',
      'HTTP request duration by route template and status code',
      BUCKETS,
    );
    ours.registerMetric(durations as unknown as Metric);
    const observe = (method: string, route: string, status: number, seconds: number) => {
      histogram.labels({ method, route, status_code: status }).observe(seconds);
      durations.observe(method, route, status, seconds);
    };
    return { reference, ours, durations, observe };
  }

  it('prints exactly what a prom-client Histogram with the same observations prints', async () => {
    const { reference, ours, observe } = both();
    expect(await ours.metrics()).toBe(await reference.metrics());
    const observations: [string, string, number, number][] = [
      ['GET', '/api/v1/tenant', 200, 0.0004],
      ['GET', '/api/v1/tenant', 200, 0.001],
      ['GET', '/api/v1/tenant', 200, 0.0031],
      ['GET', '/api/v1/tenant', 304, 0.002],
      ['HEAD', '/api/v1/tenant', 200, 0.2],
      ['GET', '/api/v1/me', 401, 5],
      ['POST', '/api/v1/auth/login', 200, 7.5],
      ['GET', 'unmatched', 404, 0.0007],
      ['GET', '/api/v1/a "quoted" \\ route', 200, 0.05],
    ];
    for (const [method, route, status, seconds] of observations) observe(method, route, status, seconds);
    expect(await ours.metrics()).toBe(await reference.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it('starts over on reset', async () => {
    const { reference, ours, durations, observe } = both();
    observe('GET', '/health', 200, 0.001);
    durations.reset();
    reference.resetMetrics();
    expect(await ours.metrics()).toBe(await reference.metrics());
  });
});
