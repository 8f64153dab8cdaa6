import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import type { JobRegistry } from '../../kernel/events/registry.js';
import {
  completeRegistration,
  contextOfRequest,
  PASSWORD_RESET_TASK,
  REGISTRATION_TASK,
  type RegistrationJob,
  sendPasswordReset,
  sendVerificationAgain,
  VERIFICATION_TASK,
} from './auth.service.js';

interface EmailJob {
  tenantId: string;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  email: string;
}

/**
 * Daily housekeeping: failed sign-ins older than a day (lockout needs 15 minutes), revocations older
 * than a day (they matter for 16 minutes), spent or expired one-time tokens, and refresh tokens of
 * sessions that can no longer be used. Row-level security
 * scopes each statement to one tenant (or the platform), so each is visited in turn.
 */
export function registerIdentityJobs(registry: JobRegistry): void {
  // The work behind answers that must not tell whether an address has an account (auth.service.ts).
  registry.task<RegistrationJob>(REGISTRATION_TASK, (job, runtime) =>
    withTx(contextOfRequest(runtime, job), (tx) => completeRegistration(tx, job)),
  );
  registry.task<EmailJob>(PASSWORD_RESET_TASK, (job, runtime) =>
    withTx(contextOfRequest(runtime, job), (tx) => sendPasswordReset(tx, job.email)),
  );
  registry.task<EmailJob>(VERIFICATION_TASK, (job, runtime) =>
    withTx(contextOfRequest(runtime, job), (tx) => sendVerificationAgain(tx, job.email)),
  );

  registry.schedule('identity-cleanup', '40 3 * * *', async (_data, runtime) => {
    const tenants = await withTx(
      systemContext(runtime, null),
      async (tx) => (await tx.client.query<{ id: string }>('SELECT id FROM tenants')).rows.map((r) => r.id),
      { readOnly: true },
    );
    for (const tenantId of [null, ...tenants]) {
      await withTx(systemContext(runtime, tenantId), async (tx) => {
        await tx.client.query(`DELETE FROM login_failures WHERE at < now() - interval '1 day'`);
        // Revocations matter for one access-token lifetime; a day leaves room to look into one.
        await tx.client.query(`DELETE FROM access_revocations WHERE created_at < now() - interval '1 day'`);
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
