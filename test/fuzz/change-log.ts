import type { TestApp } from '../app.js';

/*
 * Every change to the application's tables, recorded by statement-level triggers installed (as the
 * owner, in the fuzz test's own database) on each of them. The record is written in the changing
 * transaction, so rolled-back work leaves nothing: a rejected request that changed data shows up as new
 * rows here. pg-boss's own tables are left out: the queue's bookkeeping is not the application's data,
 * and every job the application enqueues comes with a `domain_events` row, which is recorded.
 */

export interface Change {
  id: number;
  table: string;
  operation: 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE';
  row: Record<string, unknown> | null;
}

/**
 * Columns whose update is not a change for this purpose: touched by requests that are then refused,
 * by design. An API key's `last_used_at` is stamped when the key is presented, whatever the answer.
 */
const IGNORED_COLUMNS: Record<string, string[]> = {
  api_keys: ['last_used_at'],
};

const INSTALL = `
CREATE SCHEMA fuzz;
CREATE TABLE fuzz.changes (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  operation text NOT NULL,
  row_data jsonb
);
-- Definer rights: the application role writes the record without any privilege on it.
CREATE FUNCTION fuzz.record_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO fuzz.changes (table_name, operation, row_data)
      SELECT TG_TABLE_NAME, TG_OP, to_jsonb(n) FROM new_rows n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO fuzz.changes (table_name, operation, row_data)
      SELECT TG_TABLE_NAME, TG_OP, to_jsonb(o) FROM old_rows o;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Only rows that really changed (an UPDATE that sets what was there is none), ignored columns aside.
    INSERT INTO fuzz.changes (table_name, operation, row_data)
      -- TG_ARGV is NULL, not empty, for a trigger without arguments.
      SELECT TG_TABLE_NAME, TG_OP, changed.row_data FROM (
        SELECT to_jsonb(n) - coalesce(TG_ARGV, '{}') AS row_data FROM new_rows n
        EXCEPT ALL
        SELECT to_jsonb(o) - coalesce(TG_ARGV, '{}') FROM old_rows o
      ) changed;
  ELSE
    INSERT INTO fuzz.changes (table_name, operation) VALUES (TG_TABLE_NAME, TG_OP);
  END IF;
  RETURN NULL;
END $$;
`;

export class ChangeLog {
  private seen = 0;

  private constructor(private readonly t: TestApp) {}

  /** Installs the record and its triggers on every table of the application's schemas. */
  static async install(t: TestApp): Promise<ChangeLog> {
    await t.ownerQuery(INSTALL);
    // Partitions are left out: rows reach them through their partitioned parent, whose triggers fire.
    const tables = await t.ownerQuery<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'fuzz', 'pgboss', 'drizzle')
          AND n.nspname NOT LIKE 'pg_toast%'`,
    );
    for (const { schema, name } of tables) {
      const table = `"${schema}"."${name}"`;
      const ignored = (IGNORED_COLUMNS[name] ?? []).map((column) => `'${column}'`).join(', ');
      const trigger = (suffix: string, event: string, referencing: string, args = '') =>
        `CREATE TRIGGER fuzz_${suffix} AFTER ${event} ON ${table} ${referencing} FOR EACH STATEMENT EXECUTE FUNCTION fuzz.record_changes(${args})`;
      await t.ownerQuery(trigger('insert', 'INSERT', 'REFERENCING NEW TABLE AS new_rows'));
      await t.ownerQuery(trigger('delete', 'DELETE', 'REFERENCING OLD TABLE AS old_rows'));
      await t.ownerQuery(
        trigger('update', 'UPDATE', 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows', ignored),
      );
      await t.ownerQuery(trigger('truncate', 'TRUNCATE', ''));
    }
    const log = new ChangeLog(t);
    await log.mark();
    return log;
  }

  /** Forgets what was recorded so far: the next `since` starts here. */
  async mark(): Promise<void> {
    const [row] = await this.t.ownerQuery<{ id: string | null }>('SELECT max(id) AS id FROM fuzz.changes');
    this.seen = Number(row?.id ?? 0);
  }

  /** The changes since the last mark (or call), and marks. */
  async since(): Promise<Change[]> {
    const rows = await this.t.ownerQuery<{
      id: string;
      table_name: string;
      operation: Change['operation'];
      row_data: Record<string, unknown> | null;
    }>('SELECT id, table_name, operation, row_data FROM fuzz.changes WHERE id > $1 ORDER BY id LIMIT 50', [
      this.seen,
    ]);
    if (rows.length === 50) await this.mark();
    else if (rows.length > 0) this.seen = Number(rows[rows.length - 1]?.id);
    return rows.map((row) => ({
      id: Number(row.id),
      table: row.table_name,
      operation: row.operation,
      row: row.row_data,
    }));
  }
}

/** Audit entries of refused sign-ins: written on purpose, so that guessing leaves a trace. */
const REFUSED_SIGN_IN_ACTIONS = new Set([
  'auth.login_failed',
  'auth.login_blocked',
  'auth.account_locked',
  'auth.login_refused',
  'auth.mfa_failed',
]);

/** A change a refused request makes by design, which is not a data change the request got through. */
export function isBookkeeping(change: Change): boolean {
  // A failed sign-in is counted per account and address, which is what locks guessing out.
  if (change.table === 'login_failures' && change.operation === 'INSERT') return true;
  // And audited, like a sign-in refused for the account's status and a wrong second factor.
  return (
    change.table === 'audit_logs' &&
    change.operation === 'INSERT' &&
    REFUSED_SIGN_IN_ACTIONS.has(String(change.row?.['action']))
  );
}

/**
 * The changes of one refused request that it should not have made. Besides the bookkeeping above: a
 * refresh token presented a second time was copied, so its session is revoked (with its access tokens)
 * and that is audited, although the request itself is refused.
 */
export function unexpectedChanges(changes: Change[]): Change[] {
  const reuse = changes.some(
    (change) => change.table === 'audit_logs' && change.row?.['action'] === 'auth.refresh_reused',
  );
  return changes.filter((change) => {
    if (isBookkeeping(change)) return false;
    if (!reuse) return true;
    if (change.table === 'audit_logs') return change.row?.['action'] !== 'auth.refresh_reused';
    if (change.table === 'auth_sessions') {
      return !(change.operation === 'UPDATE' && change.row?.['revoked_reason'] === 'refresh_reuse');
    }
    if (change.table === 'access_revocations') {
      return !(change.operation === 'INSERT' && change.row?.['kind'] === 'session');
    }
    return true;
  });
}
