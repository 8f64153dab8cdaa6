import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { expectProblem } from '../../../test/http.js';
import { shippedMigrationCount } from '../../db/migrate.js';
import { startMetricsListener } from './metrics-listener.js';
import { checkReadiness } from './readiness.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('health, readiness, metrics and docs', () => {
  let t: TestApp;
  let workersRunning = true;
  beforeAll(async () => {
    t = await createTestApp({ workersRunning: () => workersRunning, env: { METRICS_TOKEN } });
  });
  afterAll(() => t?.close());

  it('GET /health answers while the process is alive', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 when the database, migrations and workers are fine, 503 when workers stop', async () => {
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      ready: true,
      checks: { database: 'ok', migrations: 'current', jobWorkers: 'running' },
      warnings: [],
    });
    workersRunning = false;
    const stopped = await t.app.inject({ method: 'GET', url: '/ready' });
    workersRunning = true;
    expect(stopped.statusCode).toBe(503);
    expect(stopped.json()).toMatchObject({ ready: false, checks: { jobWorkers: 'stopped' } });
  });

  it('reports pending migrations and an unreachable database as not ready', async () => {
    const pending = await checkReadiness({
      db: t.runtime.db,
      expectedMigrations: shippedMigrationCount() + 1,
      workersRunning: null,
    });
    expect(pending).toEqual({
      ready: false,
      checks: { database: 'ok', migrations: 'pending', jobWorkers: 'disabled' },
      warnings: [],
    });
    const unreachable = await checkReadiness({
      db: { ...t.runtime.db, pool: { query: () => Promise.reject(new Error('ECONNREFUSED')) } } as never,
      expectedMigrations: 1,
      workersRunning: null,
    });
    expect(unreachable).toMatchObject({ ready: false, checks: { database: 'unreachable' } });
  });

  it('GET /metrics exposes request durations by route, pool usage and job queue depth', async () => {
    await t.app.inject({ method: 'GET', url: '/api/v1/tenant' });
    const response = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(
      /carsi_http_request_duration_seconds_bucket\{.*route="\/api\/v1\/tenant".*status_code="200"/,
    );
    expect(text).toMatch(/carsi_db_pool_connections\{pool="primary",state="idle"\} \d+/);
    expect(text).toMatch(/carsi_db_pool_connections\{pool="primary",state="waiting"\} \d+/);
    expect(text).toContain('# TYPE carsi_job_queue_depth gauge');
    expect(text).toContain('# TYPE carsi_job_failures_total counter');
  });

  it('GET /metrics with METRICS_TOKEN answers only to that bearer token, with 401 problems otherwise', async () => {
    for (const authorization of [
      undefined,
      'Bearer',
      `Bearer ${METRICS_TOKEN.slice(0, -1)}`,
      `Bearer ${METRICS_TOKEN}x`,
      `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`,
      METRICS_TOKEN,
    ]) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });
      expectProblem(response, 401, 'metrics.unauthorized');
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(response.body).not.toContain('carsi_http_request_duration_seconds');
    }
    // The scheme is case-insensitive (RFC 7235).
    const lower = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `bearer ${METRICS_TOKEN}` },
    });
    expect(lower.statusCode).toBe(200);
  });

  it('serves no /metrics with neither METRICS_TOKEN nor METRICS_PORT, saying which to set', async () => {
    const off = await createTestApp();
    try {
      for (const headers of [{}, { authorization: `Bearer ${METRICS_TOKEN}` }]) {
        const response = await off.app.inject({ method: 'GET', url: '/metrics', headers });
        expectProblem(response, 404, 'metrics.not_served');
        expect(response.json().detail).toContain('METRICS_TOKEN');
        expect(response.json().detail).toContain('METRICS_PORT');
      }
    } finally {
      await off.close();
    }
  });

  it('with METRICS_PORT serves /metrics on a listener of its own, on loopback, and none on the API port', async () => {
    const separate = await createTestApp({ env: { METRICS_PORT: '0' } });
    const listeners: FastifyInstance[] = [];
    try {
      const onApi = await separate.app.inject({ method: 'GET', url: '/metrics' });
      expectProblem(onApi, 404, 'metrics.not_served');
      expect(onApi.json().detail).toContain('METRICS_PORT');

      const config = separate.runtime.config.metrics;
      expect(config.host).toBe('127.0.0.1');
      const open = await startMetricsListener(config, separate.metrics, separate.runtime.log);
      listeners.push(open.app);
      expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const scraped = await fetch(open.url);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('# TYPE carsi_job_queue_depth gauge');
      // Only /metrics lives there.
      expect((await fetch(open.url.replace('/metrics', '/api/v1/tenant'))).status).toBe(404);

      // With a token as well, the listener asks for it too.
      const guarded = await startMetricsListener(
        { ...config, token: METRICS_TOKEN },
        separate.metrics,
        separate.runtime.log,
      );
      listeners.push(guarded.app);
      const refused = await fetch(guarded.url);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { code: string }).code).toBe('metrics.unauthorized');
      const allowed = await fetch(guarded.url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(allowed.status).toBe(200);
    } finally {
      for (const listener of listeners) await listener.close();
      await separate.close();
    }
  });

  it('serves an OpenAPI 3.1 document in which every route has request and response schemas', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/json' });
    const spec = response.json() as {
      openapi: string;
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/tenant',
        '/health',
        '/ready',
        '/metrics',
        '/api/v1/auth/login',
        '/api/v1/me',
        '/api/v1/users',
        '/api/v1/platform/tenants',
      ]),
    );
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses ?? {});
        expect(
          statuses.some((status) => status.startsWith('2')),
          `${method} ${path}`,
        ).toBe(true);
        if (path.startsWith('/api/')) expect(statuses, `${method} ${path}`).toContain('400');
      }
    }
    const tenantParameters = (
      spec.paths['/api/v1/tenant']!['get'] as { parameters?: { name: string; in: string }[] }
    ).parameters;
    expect(tenantParameters).toContainEqual(expect.objectContaining({ name: 'x-tenant', in: 'header' }));
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});
