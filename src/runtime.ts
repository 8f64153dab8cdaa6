import { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { registerJobs } from './app.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { stopBroadcast } from './kernel/broadcast.js';
import type { Runtime } from './kernel/context.js';
import { JobRegistry } from './kernel/events/registry.js';
import { createBoss, startBoss } from './kernel/jobs/boss.js';

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'carsi' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
      censor: '***',
    },
  });
}

export interface RuntimeOptions {
  /** Worker processes run the queue's maintenance and cron; API-only processes only enqueue. */
  supervise: boolean;
  maintenanceIntervalSeconds?: number;
  /** Extra registrations (tests add their own subscribers). */
  registerExtraJobs?: (registry: JobRegistry) => void;
}

/** Opens the pools, builds the job registry and makes sure every queue exists. */
export async function createRuntime(
  config: Config,
  ownerUrl: string,
  log: Logger,
  options: RuntimeOptions,
): Promise<Runtime> {
  const db = openDatabase(config, ownerUrl);
  const jobs = new JobRegistry();
  registerJobs(jobs);
  options.registerExtraJobs?.(jobs);
  const boss = createBoss(ownerUrl, log, {
    supervise: options.supervise,
    ...(options.maintenanceIntervalSeconds
      ? { maintenanceIntervalSeconds: options.maintenanceIntervalSeconds }
      : {}),
  });
  await startBoss(boss, jobs, ownerUrl);
  return { config, db, jobs, boss, log };
}

export async function closeRuntime(runtime: Runtime, timeoutMs: number): Promise<void> {
  await stopBroadcast(runtime);
  await runtime.boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: true });
  await runtime.db.close();
}

export function connectRedis(config: Config, log: Logger): Redis | null {
  if (!config.redisUrl) return null;
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    lazyConnect: false,
  });
  redis.on('error', (error) => log.warn({ err: error }, 'redis error'));
  return redis;
}
