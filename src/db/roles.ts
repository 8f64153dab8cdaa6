import type { ClientBase } from 'pg';
import type { AppCredentials } from './urls.js';

/**
 * Creates (or updates) the login role the server's queries run as. It owns nothing and cannot
 * bypass row-level security, so every tenant-owned table's policy applies to it.
 */
export async function ensureAppRole(client: ClientBase, credentials: AppCredentials): Promise<void> {
  const role = client.escapeIdentifier(credentials.role);
  const password = client.escapeLiteral(credentials.password);
  const existing = await client.query<{ rolbypassrls: boolean; rolsuper: boolean }>(
    'SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = $1',
    [credentials.role],
  );
  const found = existing.rows[0];
  if (!found) {
    await client.query(
      `CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD ${password}`,
    );
    return;
  }
  if (found.rolsuper || found.rolbypassrls) {
    throw new Error(`The application role "${credentials.role}" must not be a superuser or have BYPASSRLS`);
  }
  await client.query(`ALTER ROLE ${role} LOGIN PASSWORD ${password}`);
}

/** Privileges of the application role, re-applied after every migration run. */
export async function grantAppPrivileges(client: ClientBase, roleName: string): Promise<void> {
  const role = client.escapeIdentifier(roleName);
  const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
  await client.query(`
    GRANT CONNECT ON DATABASE ${client.escapeIdentifier(database)} TO ${role};
    GRANT USAGE ON SCHEMA public TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role};
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs, domain_events FROM ${role};
    REVOKE ALL ON SCHEMA partitions FROM ${role};
    GRANT EXECUTE ON FUNCTION carsi_ensure_audit_partitions(integer) TO ${role};
    GRANT EXECUTE ON FUNCTION carsi_api_key_for_auth(uuid) TO ${role};
    GRANT EXECUTE ON FUNCTION carsi_recent_access_revocations(timestamptz) TO ${role};
    GRANT EXECUTE ON FUNCTION carsi_products_matching(tsquery, text) TO ${role};
    REVOKE UPDATE, TRUNCATE ON login_failures FROM ${role};
    REVOKE UPDATE, TRUNCATE ON access_revocations FROM ${role};
    GRANT USAGE ON SCHEMA drizzle TO ${role};
    GRANT SELECT ON drizzle.__drizzle_migrations TO ${role};
    GRANT USAGE ON SCHEMA pgboss TO ${role};
    GRANT SELECT ON pgboss.queue TO ${role};
    GRANT SELECT, INSERT ON pgboss.job TO ${role};
  `);
}
