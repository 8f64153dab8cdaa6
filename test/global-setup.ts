import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateDatabase } from '../src/db/migrate.js';
import { withDatabase } from '../src/db/urls.js';
import { adminQuery, startTestServer } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
    databasePrefix: string;
  }
}

/** A role of its own for tests, so a developer's application role on the same server is left alone. */
export const TEST_APP_CREDENTIALS = { role: 'carsi_test_app', password: 'carsi-test-app' };

/**
 * Starts (or connects to) PostgreSQL once, migrates a template database, and hands its name to every
 * test file, which clones it (CREATE DATABASE … TEMPLATE) so files run in parallel on their own data.
 */
export default async function setup(project: TestProject) {
  const server = await startTestServer();
  const run = randomBytes(4).toString('hex');
  const databasePrefix = `carsi_t${run}_`;
  const templateDatabase = `${databasePrefix}template`;
  await adminQuery(server.adminUrl, `CREATE DATABASE ${templateDatabase}`);
  await migrateDatabase(withDatabase(server.adminUrl, templateDatabase), TEST_APP_CREDENTIALS);

  project.provide('adminUrl', server.adminUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('databasePrefix', databasePrefix);

  return async () => {
    const client = new pg.Client({ connectionString: server.adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname LIKE $1',
        [`${databasePrefix}%`],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
      }
    } finally {
      await client.end();
    }
    await server.stop();
  };
}
