import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.js';
import { TEST_APP_CREDENTIALS } from '../../test/global-setup.js';
import { migrateDatabase, shippedMigrationCount } from './migrate.js';

describe('migrations', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it('are applied once when several processes migrate an empty database at the same time', async () => {
    const database = await createTestDatabase({ empty: true });
    databases.push(database);
    const results = await Promise.all(
      [1, 2, 3].map(() => migrateDatabase(database.ownerUrl, TEST_APP_CREDENTIALS)),
    );
    expect(results.map((r) => r.applied).sort()).toEqual([0, 0, shippedMigrationCount()]);
    expect(results.every((r) => r.total === shippedMigrationCount())).toBe(true);

    const client = new pg.Client({ connectionString: database.ownerUrl });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      expect(rows[0].n).toBe(shippedMigrationCount());
    } finally {
      await client.end();
    }
  });

  it('do nothing on an up-to-date database', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    expect(await migrateDatabase(database.ownerUrl, TEST_APP_CREDENTIALS)).toEqual({
      applied: 0,
      total: shippedMigrationCount(),
    });
  });

  it('refuse an application role that could bypass row-level security', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const client = new pg.Client({ connectionString: database.ownerUrl });
    await client.connect();
    try {
      await client.query(
        `DROP ROLE IF EXISTS carsi_test_bypass; CREATE ROLE carsi_test_bypass LOGIN BYPASSRLS`,
      );
      await expect(
        migrateDatabase(database.ownerUrl, { role: 'carsi_test_bypass', password: 'x' }),
      ).rejects.toThrow(/BYPASSRLS/);
    } finally {
      await client.query('DROP ROLE IF EXISTS carsi_test_bypass');
      await client.end();
    }
  });
});
