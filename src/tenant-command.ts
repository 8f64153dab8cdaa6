import { Value } from '@sinclair/typebox/value';
import { withTx } from './db/tx.js';
import { type Runtime, systemContext } from './kernel/context.js';
import { Email, PersonName } from './modules/identity/contracts.js';
import { setUpTenant, type TenantSetupResult } from './modules/identity/index.js';

// The platform API's rules for the same fields (POST /api/v1/platform/tenants).
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const MAX_TENANT_NAME = 200;

export interface TenantCommandInput {
  slug: string;
  name: string;
  ownerEmail: string;
  ownerPassword?: string | undefined;
  ownerName?: string | undefined;
}

/** What is wrong with the command's arguments (a usage error each), before anything is opened. */
export function tenantCommandProblems(input: TenantCommandInput): string[] {
  const problems: string[] = [];
  if (!SLUG.test(input.slug)) {
    problems.push('--slug must be 1 to 64 of a-z, 0-9 and hyphens, not starting or ending with a hyphen.');
  }
  if (input.name.trim() === '' || input.name.length > MAX_TENANT_NAME) {
    problems.push(`--name must be 1 to ${MAX_TENANT_NAME} characters.`);
  }
  if (!Value.Check(Email, input.ownerEmail)) problems.push('--owner-email is not an email address.');
  if (input.ownerName !== undefined && !Value.Check(PersonName, input.ownerName)) {
    problems.push('--owner-name must be 1 to 200 characters.');
  }
  return problems;
}

/** `carsi tenant create`: the tenant, its built-in roles and its owner, as the platform. */
export function createTenantFromCli(runtime: Runtime, input: TenantCommandInput): Promise<TenantSetupResult> {
  return withTx(systemContext(runtime, null), (tx) =>
    setUpTenant(tx, {
      slug: input.slug,
      name: input.name,
      owner: { email: input.ownerEmail, name: input.ownerName, password: input.ownerPassword },
    }),
  );
}
