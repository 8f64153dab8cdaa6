import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { withCredentials, withDatabase } from '../src/db/urls.js';
import { TEST_APP_CREDENTIALS } from './global-setup.js';
import { adminQuery } from './server.js';

export interface TestDatabase {
  name: string;
  ownerUrl: string;
  appUrl: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the run's template. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const name = `${inject('databasePrefix')}${randomBytes(5).toString('hex')}`;
  const template = options.empty ? 'template0' : inject('templateDatabase');
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const ownerUrl = withDatabase(adminUrl, name);
  return {
    name,
    ownerUrl,
    appUrl: withCredentials(ownerUrl, TEST_APP_CREDENTIALS),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
