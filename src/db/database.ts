import pg from 'pg';
import type { Config } from '../config.js';
import { type AppCredentials, credentialsOf, DEFAULT_APP_ROLE, withCredentials } from './urls.js';

// numeric (OID 1700) stays a string: money is never a JS float (pg already keeps int8 as a string).
pg.types.setTypeParser(1700, (value) => value);

export interface Database {
  /** Owner connection string: migrations and the job queue's own tables. */
  ownerUrl: string;
  /** Application role connection string: every business query. */
  appUrl: string;
  appCredentials: AppCredentials;
  pool: pg.Pool;
  /** Read replica pool for read-only work; the primary pool when no replica is configured. */
  readPool: pg.Pool;
  close(): Promise<void>;
}

export function appCredentialsFor(config: Config): AppCredentials {
  if (config.databaseAppUrl) return credentialsOf(config.databaseAppUrl);
  return { role: DEFAULT_APP_ROLE, password: config.appRolePassword };
}

export function openDatabase(config: Config, ownerUrl: string): Database {
  const appCredentials = appCredentialsFor(config);
  const appUrl = config.databaseAppUrl ?? withCredentials(ownerUrl, appCredentials);
  const pool = createPool(appUrl, config.databasePoolMax, 'carsi');
  const readPool = config.databaseReplicaUrl
    ? createPool(
        withCredentials(config.databaseReplicaUrl, appCredentials),
        config.databasePoolMax,
        'carsi-read',
      )
    : pool;
  return {
    ownerUrl,
    appUrl,
    appCredentials,
    pool,
    readPool,
    async close() {
      await pool.end();
      if (readPool !== pool) await readPool.end();
    },
  };
}

function createPool(connectionString: string, max: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return pool;
}
