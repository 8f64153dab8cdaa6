import type { FastifyInstance } from 'fastify';
import { buildApp, buildProbeApp } from './app.js';
import { ensureDefaultTenant, prepareDatabase } from './bootstrap.js';
import { loadConfig } from './config.js';
import { shippedMigrationCount } from './db/migrate.js';
import { TRUST_PROXY_UNSET } from './kernel/http/forwarded-headers.js';
import { JobRunner } from './kernel/jobs/runner.js';
import { createMetrics } from './kernel/metrics.js';
import { MAIL_NOT_CONFIGURED, mailDeliveryLabel } from './modules/notifications/index.js';
import { startMetricsListener } from './modules/system/index.js';
import { watchParent } from './parent-watch.js';
import { closeRuntime, connectRedis, createLogger, createRuntime } from './runtime.js';
import { seedDemoData } from './seed.js';

export interface ProcessRoles {
  api: boolean;
  workers: boolean;
  /** Seed the demo data set when it is missing. */
  demo: boolean;
}

/**
 * Runs `carsi serve` (API, plus workers unless --no-worker) or `carsi worker` (workers only) until
 * SIGTERM/SIGINT, then shuts down in order: stop accepting and finish in-flight requests, let
 * workers finish their current job, close the pools, stop the embedded database.
 */
export async function runProcess(roles: ProcessRoles): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config);
  const database = await prepareDatabase(config, log);
  const runtime = await createRuntime(config, database.ownerUrl, log, { supervise: roles.workers });
  const redis = roles.api ? connectRedis(config, log) : null;
  await ensureDefaultTenant(runtime);
  if (roles.demo) await seedDemoData(runtime);

  const metrics = createMetrics(runtime.db);
  const runner = roles.workers ? new JobRunner(runtime, metrics) : null;
  await runner?.start();

  const appOptions = {
    runtime,
    metrics,
    expectedMigrations: shippedMigrationCount(),
    workersRunning: runner ? () => runner.isRunning() : null,
  };
  // A worker process serves only its probes and metrics, on the same PORT.
  const app: FastifyInstance = roles.api
    ? await buildApp({ ...appOptions, redis })
    : await buildProbeApp(appOptions);
  await app.listen({ port: config.port, host: config.host });
  if (roles.api && config.trustProxy === false) log.warn({ trustProxy: false }, TRUST_PROXY_UNSET);
  // Only processes with workers deliver messages; an API-only one just queues them.
  if (roles.workers && !config.mail) log.warn({ smtp: false }, MAIL_NOT_CONFIGURED);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = config.publicUrl.replace(`:${config.port}`, `:${port}`);
  // METRICS_PORT: /metrics on a listener of its own (loopback by default), none on PORT.
  const metricsListener =
    config.metrics.port !== null ? await startMetricsListener(config.metrics, metrics, log) : null;
  const metricsLabel = metricsListener
    ? metricsListener.url
    : config.metrics.token
      ? `${base}/metrics (Authorization: Bearer <METRICS_TOKEN>)`
      : 'off (set METRICS_TOKEN or METRICS_PORT)';
  const databaseLabel = database.embedded ? `embedded PostgreSQL in ${config.dataDir}/pg` : 'DATABASE_URL';
  const mailLabel = roles.workers ? mailDeliveryLabel(config) : 'sent by the worker processes';
  process.stdout.write(
    roles.api
      ? `\nÇarşı is running.\n  API:  ${base}/api/v1\n  Docs: ${base}/docs\n  Metrics: ${metricsLabel}\n  Database: ${databaseLabel}\n  Mail: ${mailLabel}\n\n`
      : `\nÇarşı worker is running.\n  Probes: ${base}/health, ${base}/ready\n  Metrics: ${metricsLabel}\n  Database: ${databaseLabel}\n  Mail: ${mailLabel}\n\n`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs * 2);
    deadline.unref();
    try {
      await withTimeout(Promise.all([app.close(), metricsListener?.app.close()]), config.shutdownTimeoutMs);
      await runner?.stop(config.shutdownTimeoutMs);
      await closeRuntime(runtime, config.shutdownTimeoutMs);
      await redis?.quit().catch(() => {});
      await database.embedded?.stop();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  // `npm start` signalled: npm's shell dies and leaves this process behind, so it stops itself.
  watchParent(() => void shutdown('parent process exited'));
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
