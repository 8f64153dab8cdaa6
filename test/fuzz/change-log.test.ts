import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../app.js';
import { ChangeLog, isBookkeeping } from './change-log.js';

// The fuzz test relies on this record to see data changed by refused requests: it must see every real
// change, and nothing else.
describe('the change log of the fuzz test', () => {
  let t: TestApp;
  let log: ChangeLog;
  let app: pg.Client;
  beforeAll(async () => {
    t = await createTestApp();
    log = await ChangeLog.install(t);
    // As the application role, under row-level security, as the server writes.
    app = new pg.Client({ connectionString: t.database.appUrl });
    await app.connect();
    await app.query(`SELECT set_config('app.tenant_id', $1, false)`, [await t.tenantId('demo')]);
  });
  afterAll(async () => {
    await app?.end();
    await t?.close();
  });

  const tables = async () => (await log.since()).map((change) => `${change.operation} ${change.table}`);

  it('records inserts, real updates and deletes the application role makes', async () => {
    const [role] = (await app.query<{ id: string }>("SELECT id FROM roles WHERE key = 'viewer'")).rows;
    await app.query("UPDATE roles SET description = 'Salt okunur' WHERE id = $1", [role?.id]);
    expect(await tables()).toEqual(['UPDATE roles']);
    // An update that sets what is there changes nothing.
    await app.query("UPDATE roles SET description = 'Salt okunur' WHERE id = $1", [role?.id]);
    expect(await tables()).toEqual([]);
    await app.query(
      "INSERT INTO login_failures (tenant_id, id, email_key, ip) VALUES (app_current_tenant(), gen_random_uuid(), 'a@b.co', '10.0.0.1')",
    );
    await app.query("DELETE FROM login_failures WHERE email_key = 'a@b.co'");
    expect(await tables()).toEqual(['INSERT login_failures', 'DELETE login_failures']);
  });

  it('records nothing for work rolled back', async () => {
    await app.query('BEGIN');
    await app.query("UPDATE roles SET description = 'geri alınır' WHERE key = 'viewer'");
    await app.query('ROLLBACK');
    expect(await tables()).toEqual([]);
  });

  it('ignores an API key being stamped as used, and nothing else about it', async () => {
    const [user] = (await app.query<{ id: string }>('SELECT id FROM users LIMIT 1')).rows;
    await app.query(
      `INSERT INTO api_keys (tenant_id, id, name, secret_hash, scopes, created_by)
       VALUES (app_current_tenant(), gen_random_uuid(), 'erp', 'x', '{products.view}', $1)`,
      [user?.id],
    );
    expect(await tables()).toEqual(['INSERT api_keys']);
    await app.query("UPDATE api_keys SET last_used_at = now() WHERE name = 'erp'");
    expect(await tables()).toEqual([]);
    await app.query("UPDATE api_keys SET last_used_at = now(), revoked_at = now() WHERE name = 'erp'");
    expect(await tables()).toEqual(['UPDATE api_keys']);
  });

  it('records writes to the partitioned audit log through its parent', async () => {
    await app.query(
      `INSERT INTO audit_logs (tenant_id, id, actor_type, action, entity_type)
       VALUES (app_current_tenant(), gen_random_uuid(), 'anonymous', 'auth.login_failed', 'user')`,
    );
    const [change] = await log.since();
    expect(change).toMatchObject({
      table: 'audit_logs',
      operation: 'INSERT',
      row: { action: 'auth.login_failed' },
    });
    expect(isBookkeeping(change as NonNullable<typeof change>)).toBe(true);
    expect(
      isBookkeeping({ ...(change as NonNullable<typeof change>), row: { action: 'users.created' } }),
    ).toBe(false);
  });
});
