import type { Logger } from 'pino';
import type { Config } from './config.js';
import { appCredentialsFor } from './db/database.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded.js';
import { type MigrationResult, migrateDatabase } from './db/migrate.js';
import { withTx } from './db/tx.js';
import { redactUrl } from './db/urls.js';
import { type Runtime, systemContext } from './kernel/context.js';
import { ensureTenant } from './modules/tenancy/index.js';

export interface DatabaseHandle {
  ownerUrl: string;
  embedded: EmbeddedDatabase | null;
  migration: MigrationResult;
}

/** Connects to DATABASE_URL, or starts the embedded PostgreSQL; then applies pending migrations. */
export async function prepareDatabase(config: Config, log: Logger): Promise<DatabaseHandle> {
  let embedded: EmbeddedDatabase | null = null;
  if (!config.databaseUrl) {
    log.info({ dataDir: config.dataDir }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedDatabase(config.dataDir, (line) => log.debug({ postgres: line }));
  }
  const ownerUrl = config.databaseUrl ?? embedded!.url;
  try {
    const migration = await migrateDatabase(ownerUrl, appCredentialsFor(config));
    log.info({ database: redactUrl(ownerUrl), ...migration }, 'database migrated');
    return { ownerUrl, embedded, migration };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** The tenant unauthenticated requests without X-Tenant fall back to. */
export async function ensureDefaultTenant(runtime: Runtime): Promise<void> {
  const slug = runtime.config.defaultTenant;
  const { created } = await withTx(systemContext(runtime, null), (tx) =>
    ensureTenant(tx, { slug, name: slug === 'demo' ? 'Çarşı Demo Ambalaj' : slug }),
  );
  if (created) runtime.log.info({ tenant: slug }, 'default tenant created');
}
