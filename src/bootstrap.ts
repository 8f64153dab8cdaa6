import type { Logger } from 'pino';
import type { Config } from './config.js';
import { appCredentialsFor } from './db/database.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './db/embedded.js';
import { type MigrationResult, migrateDatabase } from './db/migrate.js';
import { withTx } from './db/tx.js';
import { redactUrl } from './db/urls.js';
import { type Runtime, systemContext } from './kernel/context.js';
import { bootstrapIdentity, setUpTenant } from './modules/identity/index.js';

export interface DatabaseHandle {
  ownerUrl: string;
  embedded: EmbeddedDatabase | null;
  migration: MigrationResult;
}

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL; then applies pending migrations.
 * `shareRunning`: one-off commands connect to an embedded cluster a running server holds.
 */
export async function prepareDatabase(
  config: Config,
  log: Logger,
  options: { shareRunning?: boolean } = {},
): Promise<DatabaseHandle> {
  let embedded: EmbeddedDatabase | null = null;
  if (!config.databaseUrl) {
    log.info({ dataDir: config.dataDir }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedDatabase(config.dataDir, (line) => log.debug({ postgres: line }), options);
    if (embedded.shared)
      log.info({ port: embedded.port }, 'using the embedded PostgreSQL a running server holds');
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

/**
 * The tenant unauthenticated requests without X-Tenant fall back to, with its roles; and on a fresh
 * database the first administrators (a generated password is printed this once).
 */
export async function ensureDefaultTenant(runtime: Runtime): Promise<void> {
  const slug = runtime.config.defaultTenant;
  const { tenant, created } = await withTx(systemContext(runtime, null), (tx) =>
    setUpTenant(tx, { slug, name: slug === 'demo' ? 'Çarşı Demo Ambalaj' : slug }, { ifMissing: true }),
  );
  if (created) runtime.log.info({ tenant: slug }, 'default tenant created');
  const admin = await bootstrapIdentity(runtime, tenant.id);
  if (admin.created) {
    process.stdout.write(
      `\nFirst administrators created (platform, and super_admin of tenant "${slug}"):\n  email:    ${admin.email}\n` +
        (admin.generatedPassword
          ? `  password: ${admin.generatedPassword}\n  (shown once: note it, or set BOOTSTRAP_ADMIN_PASSWORD next time)\n`
          : '  password: BOOTSTRAP_ADMIN_PASSWORD\n'),
    );
  }
}
