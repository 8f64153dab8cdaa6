import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import PgBoss from 'pg-boss';
import { LOCK_KEYS, withAdvisoryLock } from './advisory-lock.js';
import { ensureAppRole, grantAppPrivileges } from './roles.js';
import type { AppCredentials } from './urls.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface MigrationResult {
  applied: number;
  total: number;
}

/** The number of migrations this build ships (what `/ready` compares the database against). */
export function shippedMigrationCount(): number {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/**
 * Applies pending migrations as the database owner, under an advisory lock so that processes starting
 * together apply them once; installs the job queue's schema; then (re)grants the application role.
 */
export function migrateDatabase(ownerUrl: string, appCredentials: AppCredentials): Promise<MigrationResult> {
  return withAdvisoryLock(ownerUrl, LOCK_KEYS.schemaChanges, async (client) => {
    const before = await appliedMigrationCount(client);
    await ensureAppRole(client, appCredentials);
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    await installJobQueueSchema(ownerUrl);
    await grantAppPrivileges(client, appCredentials.role);
    const after = await appliedMigrationCount(client);
    return { applied: after - before, total: after };
  });
}

async function appliedMigrationCount(client: pg.Client): Promise<number> {
  const table = await client.query(`SELECT to_regclass('drizzle.__drizzle_migrations') AS t`);
  if (!table.rows[0]?.t) return 0;
  const { rows } = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations',
  );
  return rows[0]?.n ?? 0;
}

async function installJobQueueSchema(ownerUrl: string): Promise<void> {
  const boss = new PgBoss({
    connectionString: ownerUrl,
    application_name: 'carsi-migrate',
    max: 1,
    migrate: true,
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false, wait: true, close: true });
}
