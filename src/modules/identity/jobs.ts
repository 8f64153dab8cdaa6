import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import type { JobRegistry } from '../../kernel/events/registry.js';

/**
 * Daily housekeeping: failed sign-ins older than a day (lockout needs 15 minutes), spent or expired
 * one-time tokens, and refresh tokens of sessions that can no longer be used. Row-level security
 * scopes each statement to one tenant (or the platform), so each is visited in turn.
 */
export function registerIdentityJobs(registry: JobRegistry): void {
  registry.schedule('identity-cleanup', '40 3 * * *', async (_data, runtime) => {
    const tenants = await withTx(
      systemContext(runtime, null),
      async (tx) => (await tx.client.query<{ id: string }>('SELECT id FROM tenants')).rows.map((r) => r.id),
      { readOnly: true },
    );
    for (const tenantId of [null, ...tenants]) {
      await withTx(systemContext(runtime, tenantId), async (tx) => {
        await tx.client.query(`DELETE FROM login_failures WHERE at < now() - interval '1 day'`);
        await tx.client.query(
          `DELETE FROM one_time_tokens WHERE expires_at < now() - interval '7 days' OR used_at < now() - interval '7 days'`,
        );
        await tx.client.query(`
          DELETE FROM refresh_tokens r USING auth_sessions s
           WHERE s.id = r.session_id AND (s.revoked_at IS NOT NULL OR s.expires_at < now())
             AND r.created_at < now() - interval '1 day'`);
      });
    }
  });
}
