#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ensureDefaultTenant, prepareDatabase } from './bootstrap.js';
import { describeFailure } from './cli-failure.js';
import { ConfigError, loadConfig } from './config.js';
import type { Runtime } from './kernel/context.js';
import { AppError } from './kernel/errors.js';
import { DEMO_CATALOG_SIZES, type DemoCatalogSize } from './modules/catalog/demo-catalog.js';
import { buildOpenApiDocument } from './openapi.js';
import { closeRuntime, createLogger, createRuntime } from './runtime.js';
import { createUserFromCli, seedDemoData } from './seed.js';
import { runProcess } from './server.js';
import { createTenantFromCli, tenantCommandProblems } from './tenant-command.js';

const HELP: Record<string, string> = {
  carsi: `carsi — commerce backend

Usage: carsi <command> [options]

Commands:
  serve [--no-worker] [--demo]
                        Start the HTTP API (and job workers unless --no-worker)
  worker                Start job workers only
  migrate               Apply pending database migrations and exit
  seed [--demo] [--size small|large]
                        Create the default tenant; --demo adds demo data
  user create           Create a user (staff, customer or platform administrator)
  tenant create         Create a tenant with its owner (a super_admin)
  openapi               Print the OpenAPI 3.1 document as JSON

Run "carsi <command> --help" for a command's options. Configuration comes from environment
variables (see .env.example); with no DATABASE_URL an embedded PostgreSQL is started.`,
  serve: `carsi serve [--no-worker] [--demo]

Starts the HTTP API on HOST:PORT. Pending migrations are applied first (under a lock, so several
processes may start at once) and the default tenant is created when missing.

Options:
  --no-worker   Do not run job workers in this process (run "carsi worker" elsewhere)
  --demo        Add the demo data set when it is missing (what "npm start" does)`,
  worker: `carsi worker

Runs the job workers (event subscribers, scheduled jobs) without the HTTP API. Any number of
worker processes may run against one database.`,
  migrate: `carsi migrate

Applies pending migrations as the database owner, creates the application role and grants it
its privileges, then exits.`,
  seed: `carsi seed [--demo] [--size small|large]

Creates the default tenant (DEFAULT_TENANT). With --demo, also adds the demo data set.

Options:
  --demo          Add demo data
  --size <size>   Demo catalog size: small (default, 48 products) or large (10,000 products
                  × 3 variants in 300 categories, the benchmark's data set)`,
  user: `carsi user create --email <email> --password <password> [options]

Creates a user, for scripts and first set-up. Prints the new user's id.

Options:
  --tenant <slug>      Tenant of the user (default: DEFAULT_TENANT)
  --email <email>      Sign-in email
  --password <pw>      At least 10 characters, not a common password
  --name <name>        Display name (default: the part of the email before @)
  --role <key>         Role key, repeatable (e.g. super_admin; customers: dealer_owner)
  --kind <kind>        staff (default) or customer
  --platform           A platform administrator (no tenant, no roles)`,
  tenant: `carsi tenant create --slug <slug> --name <name> --owner-email <email> [options]

Creates a tenant with its copies of the built-in roles and its owner, a staff user holding
super_admin, in one transaction: a bad argument, a weak password or a slug already taken creates
nothing. Prints the tenant's id, then the owner's.

Options:
  --slug <slug>             The tenant's slug (a-z, 0-9, hyphens; what X-Tenant names)
  --name <name>             The tenant's display name
  --owner-email <email>     The owner's sign-in email
  --owner-password <pw>     The owner's password: they sign in at once. At least 10 characters,
                            not a common password, not containing the email's part before the @.
                            Without it, the owner is emailed a link to choose one
  --owner-name <name>       The owner's display name (default: the part of the email before @)`,
  openapi: `carsi openapi

Prints the OpenAPI 3.1 document of the API to standard output. Needs no database.`,
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${HELP['carsi']}\n`);
    return;
  }
  const help = HELP[command];
  if (!help) throw new UsageError(`Unknown command "${command}".\n\n${HELP['carsi']}`);
  const options = {
    help: { type: 'boolean', short: 'h' },
    'no-worker': { type: 'boolean' },
    demo: { type: 'boolean' },
    size: { type: 'string' },
    tenant: { type: 'string' },
    email: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', multiple: true },
    kind: { type: 'string' },
    platform: { type: 'boolean' },
    slug: { type: 'string' },
    'owner-email': { type: 'string' },
    'owner-password': { type: 'string' },
    'owner-name': { type: 'string' },
  } as const;
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options,
      strict: true,
      allowPositionals: command === 'user' || command === 'tenant',
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${help}`);
  }
  const userOptions = ['tenant', 'email', 'password', 'name', 'role', 'kind', 'platform'] as const;
  const tenantOptions = ['slug', 'name', 'owner-email', 'owner-password', 'owner-name'] as const;
  const allowed: readonly string[] =
    command === 'user' ? userOptions : command === 'tenant' ? tenantOptions : [];
  const takenBy = (option: string) =>
    [
      (userOptions as readonly string[]).includes(option) ? '"user create"' : null,
      (tenantOptions as readonly string[]).includes(option) ? '"tenant create"' : null,
    ]
      .filter(Boolean)
      .join(' and ');
  for (const option of [...new Set([...userOptions, ...tenantOptions])]) {
    if (values[option] !== undefined && !allowed.includes(option)) {
      throw new UsageError(`--${option} applies to ${takenBy(option)} only.\n\n${help}`);
    }
  }
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return;
  }
  if (values['no-worker'] && command !== 'serve')
    throw new UsageError(`--no-worker applies to "serve" only.`);
  if (values.size !== undefined) {
    if (command !== 'seed' || !values.demo) throw new UsageError(`--size applies to "seed --demo" only.`);
    if (!(values.size in DEMO_CATALOG_SIZES)) {
      throw new UsageError(`--size must be one of: ${Object.keys(DEMO_CATALOG_SIZES).join(', ')}.`);
    }
  }
  if (values.demo && command !== 'seed' && command !== 'serve') {
    throw new UsageError(`--demo applies to "seed" and "serve" only.`);
  }

  switch (command) {
    case 'serve':
      return runProcess({ api: true, workers: !values['no-worker'], demo: values.demo === true });
    case 'worker':
      return runProcess({ api: false, workers: true, demo: false });
    case 'migrate':
      return withDatabase(async () => {});
    case 'seed':
      return withDatabase(async (runtime) => {
        await ensureDefaultTenant(runtime);
        if (values.demo) await seedDemoData(runtime, values.size as DemoCatalogSize | undefined);
      });
    case 'openapi':
      return printOpenApi();
    case 'user':
      return createUserCommand(positionals, values, help);
    case 'tenant':
      return createTenantCommand(positionals, values, help);
  }
}

/** Runs a one-off task against a migrated database, then releases everything. */
async function withDatabase(task: (runtime: Runtime) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config);
  const database = await prepareDatabase(config, log, { shareRunning: true });
  try {
    const runtime = await createRuntime(config, database.ownerUrl, log, { supervise: false });
    try {
      await task(runtime);
    } finally {
      await closeRuntime(runtime, 5_000);
    }
  } finally {
    await database.embedded?.stop();
  }
}

async function printOpenApi(): Promise<void> {
  process.stdout.write(`${JSON.stringify(await buildOpenApiDocument(loadConfig()), null, 2)}\n`);
}

interface UserCommandValues {
  tenant?: string | undefined;
  email?: string | undefined;
  password?: string | undefined;
  name?: string | undefined;
  role?: string[] | undefined;
  kind?: string | undefined;
  platform?: boolean | undefined;
}

async function createUserCommand(
  positionals: string[],
  values: UserCommandValues,
  help: string,
): Promise<void> {
  if (positionals.join(' ') !== 'create') throw new UsageError(help);
  if (!values.email || !values.password)
    throw new UsageError(`--email and --password are required.\n\n${help}`);
  const kind = values.platform ? 'platform' : (values.kind ?? 'staff');
  if (kind !== 'staff' && kind !== 'customer' && kind !== 'platform') {
    throw new UsageError(`--kind must be staff or customer.\n\n${help}`);
  }
  if (values.platform && (values.tenant || values.role)) {
    throw new UsageError(`A platform administrator has no --tenant or --role.\n\n${help}`);
  }
  const { email, password } = values;
  await withDatabase(async (runtime) => {
    await ensureDefaultTenant(runtime);
    const user = await createUserFromCli(runtime, {
      tenant: values.tenant ?? runtime.config.defaultTenant,
      kind,
      email,
      password,
      name: values.name ?? email.split('@')[0] ?? email,
      roles: values.role ?? [],
    });
    process.stdout.write(`${user.id}\n`);
  });
}

interface TenantCommandValues {
  slug?: string | undefined;
  name?: string | undefined;
  'owner-email'?: string | undefined;
  'owner-password'?: string | undefined;
  'owner-name'?: string | undefined;
}

async function createTenantCommand(
  positionals: string[],
  values: TenantCommandValues,
  help: string,
): Promise<void> {
  if (positionals.join(' ') !== 'create') throw new UsageError(help);
  const { slug, name } = values;
  const ownerEmail = values['owner-email'];
  if (!slug || !name || !ownerEmail) {
    throw new UsageError(`--slug, --name and --owner-email are required.\n\n${help}`);
  }
  const input = {
    slug,
    name,
    ownerEmail,
    ownerPassword: values['owner-password'],
    ownerName: values['owner-name'],
  };
  const problems = tenantCommandProblems(input);
  if (problems.length > 0) throw new UsageError(`${problems.join('\n')}\n\n${help}`);
  await withDatabase(async (runtime) => {
    const { tenant, owner, invited } = await createTenantFromCli(runtime, input);
    process.stdout.write(
      `Tenant "${tenant.slug}" created.\n` +
        `Owner ${owner!.email} (super_admin): ${
          invited
            ? 'emailed a link to choose a password (kept in the outbound messages until delivered)'
            : 'signs in with the given password'
        }.\n${tenant.id}\n${owner!.id}\n`,
    );
  });
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof AppError) {
    process.stderr.write(`carsi: ${error.detail} (${error.code})\n`);
    process.exit(1);
  }
  if (error instanceof ConfigError || error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`carsi: ${describeFailure(error)}\n`);
  process.exit(1);
});
