import { buildApp } from './app.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { shippedMigrationCount } from './db/migrate.js';
import type { Runtime } from './kernel/context.js';
import { JobRegistry } from './kernel/events/registry.js';
import { createBoss } from './kernel/jobs/boss.js';
import { createMetrics } from './kernel/metrics.js';
import { createLogger } from './runtime.js';

/**
 * The OpenAPI document of the whole API, as /docs/json serves it. The app is built with connections
 * that are never opened: the document needs only the route schemas, so `carsi openapi`, lint and
 * tests need no database.
 */
export async function buildOpenApiDocument(config: Config): Promise<Record<string, unknown>> {
  const quiet = { ...config, logLevel: 'silent' as const };
  const log = createLogger(quiet);
  const unusedUrl = 'postgres://unused:unused@127.0.0.1:1/unused';
  const db = openDatabase(quiet, unusedUrl);
  const runtime: Runtime = {
    config: quiet,
    db,
    jobs: new JobRegistry(),
    boss: createBoss(unusedUrl, log, { supervise: false }),
    log,
  };
  const app = await buildApp({
    runtime,
    metrics: createMetrics(db),
    redis: null,
    expectedMigrations: shippedMigrationCount(),
    workersRunning: null,
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    await db.close();
  }
}
