import { randomBytes } from 'node:crypto';
import { type Tx, withTx } from '../../db/tx.js';
import { type Runtime, systemContext } from '../../kernel/context.js';
import { createUser, findUserByEmail } from './users.service.js';

export const DEFAULT_BOOTSTRAP_EMAIL = 'admin@carsi.local';

export interface BootstrapResult {
  email: string;
  /** Set only when this start generated it: shown once, never stored in clear. */
  generatedPassword: string | null;
  created: boolean;
}

/**
 * On a database with no platform administrator: creates one, and a super_admin of the default tenant
 * (set up with its roles by setUpTenant before), with BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD
 * or a generated password. Processes starting together take turns on a lock.
 */
export async function bootstrapIdentity(runtime: Runtime, defaultTenantId: string): Promise<BootstrapResult> {
  const { config } = runtime;
  const email = config.bootstrapAdminEmail ?? DEFAULT_BOOTSTRAP_EMAIL;
  const password = config.bootstrapAdminPassword ?? randomBytes(12).toString('base64url');
  const created = await withTx(systemContext(runtime, null), async (tx) => {
    await lock(tx);
    const { rows } = await tx.client.query(`SELECT 1 FROM users WHERE kind = 'platform' LIMIT 1`);
    if (rows.length > 0) return false;
    await createUser(tx, { kind: 'platform', email, name: 'Platform Admin', password, emailVerified: true });
    return true;
  });
  if (created) {
    await withTx(systemContext(runtime, defaultTenantId), async (tx) => {
      if (await findUserByEmail(tx, email)) return;
      await createUser(tx, {
        kind: 'staff',
        email,
        name: 'Admin',
        password,
        roles: ['super_admin'],
        emailVerified: true,
      });
    });
  }
  return { email, created, generatedPassword: created && !config.bootstrapAdminPassword ? password : null };
}

async function lock(tx: Tx): Promise<void> {
  await tx.client.query('SELECT pg_advisory_xact_lock(764514)');
}
