import { asTenant, withTx } from './db/tx.js';
import { type Runtime, systemContext } from './kernel/context.js';
import { AppError } from './kernel/errors.js';
import { createUser, ensureBuiltInRoles, type UserRow } from './modules/identity/index.js';
import { ensureTenant, findTenantBySlug } from './modules/tenancy/index.js';

/**
 * The demo data set: a second tenant beside the default one, so tenant isolation can be seen from
 * the first start (`X-Tenant: demo-bayi`). Later modules add their catalog, customers and orders here.
 */
export async function seedDemoData(runtime: Runtime): Promise<void> {
  await withTx(systemContext(runtime, null), async (tx) => {
    const { tenant } = await ensureTenant(tx, {
      slug: 'demo-bayi',
      name: 'Demo Bayi Kırtasiye',
      settings: { defaultCurrency: 'TRY', locale: 'tr-TR' },
    });
    await asTenant(tx, tenant.id, ensureBuiltInRoles);
  });
  runtime.log.info('demo data ready');
}

export interface CliUser {
  tenant: string;
  kind: 'staff' | 'customer' | 'platform';
  email: string;
  password: string;
  name: string;
  roles: string[];
}

/** `carsi user create`: a user in a tenant, or a platform administrator. */
export async function createUserFromCli(runtime: Runtime, input: CliUser): Promise<UserRow> {
  let tenantId: string | null = null;
  if (input.kind !== 'platform') {
    const tenant = await withTx(systemContext(runtime, null), (tx) => findTenantBySlug(tx, input.tenant), {
      readOnly: true,
    });
    if (!tenant) throw new AppError('tenant.not_found', 404, `No tenant "${input.tenant}".`);
    tenantId = tenant.id;
  }
  return withTx(systemContext(runtime, tenantId), (tx) =>
    createUser(tx, {
      kind: input.kind,
      email: input.email,
      name: input.name,
      password: input.password,
      roles: input.roles,
      emailVerified: true,
    }),
  );
}
