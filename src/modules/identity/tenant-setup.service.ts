import { asTenant, type Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import {
  type CreateTenantInput,
  createTenant,
  ensureTenant,
  type TenantRow,
  tenantDirectoryOf,
} from '../tenancy/index.js';
import { sendInvitationEmail } from './emails.js';
import { issueOneTimeToken } from './one-time-tokens.js';
import { ensureBuiltInRoles } from './roles.service.js';
import type { UserRow } from './schema.js';
import { createUser } from './users.service.js';

/** The first user of a new tenant: a staff member holding super_admin. */
export interface TenantOwner {
  email: string;
  /** Default: the part of the email before the @. */
  name?: string | undefined;
  /** Absent: the owner is emailed a link to choose one. */
  password?: string | undefined;
}

export interface TenantSetup extends CreateTenantInput {
  owner?: TenantOwner | undefined;
}

export interface TenantSetupOptions {
  /**
   * Keep a tenant that already has the slug instead of refusing it (start-up's default tenant, demo
   * data): its built-in roles are made sure of and nothing else changes; `owner` is then not used.
   */
  ifMissing?: boolean;
}

export interface TenantSetupResult {
  tenant: TenantRow;
  /** False when `ifMissing` found the tenant already there. */
  created: boolean;
  owner: UserRow | null;
  /** The owner was emailed an invitation to choose a password. */
  invited: boolean;
}

/**
 * Creates a tenant with its copies of the built-in roles and, when given, its owner, in the caller's
 * transaction, which is the platform's (no tenant set): a tenant and its first user exist together
 * or not at all, so a weak password or a bad email leaves nothing behind. A slug already taken is
 * 409 `tenant.slug_taken` unless `ifMissing`.
 */
export async function setUpTenant(
  tx: Tx,
  input: TenantSetup,
  options: TenantSetupOptions = {},
): Promise<TenantSetupResult> {
  if (tx.ctx.tenantId !== null) throw new Error('setUpTenant runs as the platform, with no tenant set');
  const { owner: ownerInput, ...tenantInput } = input;
  const { tenant, created } = options.ifMissing
    ? await ensureTenant(tx, tenantInput)
    : { tenant: await createTenant(tx, tenantInput), created: true };
  // Requests that asked for the slug before it existed must not keep their cached "no such tenant".
  if (created) tx.afterCommit(() => tenantDirectoryOf(tx.ctx.runtime).invalidate());

  const owner = await asTenant(tx, tenant.id, async (own) => {
    await ensureBuiltInRoles(own);
    if (!ownerInput || !created) return null;
    const user = await createUser(own, {
      kind: 'staff',
      email: ownerInput.email,
      name: ownerInput.name ?? ownerInput.email.split('@')[0] ?? ownerInput.email,
      password: ownerInput.password,
      roles: ['super_admin'],
    });
    if (ownerInput.password === undefined) {
      await sendInvitationEmail(own, user, await issueOneTimeToken(own, user, 'reset_password'));
    }
    return user;
  });
  const invited = owner !== null && ownerInput?.password === undefined;
  if (owner) {
    // In the platform's log beside `tenant.created` (the tenant's own log has `user.created`).
    await audit(tx, {
      action: 'tenant.owner_created',
      entityType: 'tenant',
      entityId: tenant.id,
      after: { userId: owner.id, email: owner.email, roles: ['super_admin'], invited },
    });
  }
  return { tenant, created, owner, invited };
}
