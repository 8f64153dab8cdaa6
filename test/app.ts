import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { ensureDefaultTenant } from '../src/bootstrap.js';
import { type Config, loadConfig } from '../src/config.js';
import { shippedMigrationCount } from '../src/db/migrate.js';
import type { Runtime } from '../src/kernel/context.js';
import type { JobRegistry } from '../src/kernel/events/registry.js';
import { JobRunner } from '../src/kernel/jobs/runner.js';
import { createMetrics, type Metrics } from '../src/kernel/metrics.js';
import { closeRuntime, connectRedis, createLogger, createRuntime } from '../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: FastifyInstance;
  runtime: Runtime;
  metrics: Metrics;
  database: TestDatabase;
  /** The id of the tenant with this slug. */
  tenantId(slug: string): Promise<string>;
  /** A query as the database owner, which row-level security does not filter: for assertions. */
  ownerQuery<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<R[]>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Adds routes before the app is ready (kernel tests exercise error paths through them). */
  routes?: (app: FastifyInstance) => void | Promise<void>;
  jobs?: (registry: JobRegistry) => void;
  workersRunning?: (() => boolean) | null;
  supervise?: boolean;
  maintenanceIntervalSeconds?: number;
  /**
   * Another app's database instead of a new one: two apps on one database behave as two API
   * processes of one deployment. The database is then left for its first app to drop.
   */
  sharing?: TestApp;
  /** Runs the job workers in this app, as `carsi serve` does (emails of sign-up and reset flows). */
  workers?: boolean;
}

export function testConfig(database: TestDatabase, env: Record<string, string> = {}): Config {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'carsi-app-'));
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'silent',
    DATABASE_URL: database.ownerUrl,
    DATABASE_APP_URL: database.appUrl,
    CARSI_DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
    // Tests sign in often from one address; the limits themselves are tested with low values.
    RATE_LIMIT_AUTH_PER_MIN: '100000',
    RATE_LIMIT_USER_PER_MIN: '100000',
    BOOTSTRAP_ADMIN_EMAIL: 'admin@carsi.test',
    BOOTSTRAP_ADMIN_PASSWORD: 'Bootstrap-Pass-2024!',
    ...env,
  });
}

/** The whole app on a database of its own; call `close()` in afterAll. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.sharing?.database ?? (await createTestDatabase());
  const config = testConfig(database, options.env);
  const log = createLogger(config);
  const runtime = await createRuntime(config, database.ownerUrl, log, {
    supervise: options.supervise ?? false,
    ...(options.maintenanceIntervalSeconds
      ? { maintenanceIntervalSeconds: options.maintenanceIntervalSeconds }
      : {}),
    ...(options.jobs ? { registerExtraJobs: options.jobs } : {}),
  });
  if (!options.sharing) await ensureDefaultTenant(runtime);
  const redis: Redis | null = connectRedis(config, log);
  const metrics = createMetrics(runtime.db);
  const app = await buildApp({
    runtime,
    metrics,
    redis,
    expectedMigrations: shippedMigrationCount(),
    workersRunning: options.workersRunning === undefined ? () => true : options.workersRunning,
  });
  await options.routes?.(app);
  await app.ready();
  const runner = options.workers ? new JobRunner(runtime, metrics) : null;
  await runner?.start();
  const owner = new pg.Pool({ connectionString: database.ownerUrl, max: 2 });
  const ownerQuery: TestApp['ownerQuery'] = async (text, values = []) =>
    (await owner.query(text, values)).rows;
  return {
    app,
    runtime,
    metrics,
    database,
    async tenantId(slug) {
      const rows = await ownerQuery<{ id: string }>('SELECT id FROM tenants WHERE slug = $1', [slug]);
      if (!rows[0]) throw new Error(`no tenant ${slug}`);
      return rows[0].id;
    },
    ownerQuery,
    async close() {
      await owner.end();
      await app.close();
      await runner?.stop(2_000);
      await closeRuntime(runtime, 2_000);
      await redis?.quit().catch(() => {});
      if (!options.sharing) await database.drop();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
