import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../src/db/embedded.js';
import { clusterKey, ROOT_STATE_DIR, userCan } from '../src/db/embedded-placement.js';
import { shippedMigrationCount } from '../src/db/migrate.js';
import { processExists, readPostmasterFile } from '../src/db/postmaster.js';
import { BUILT_IN_ROLES } from '../src/modules/identity/index.js';
import { verifyPassword } from '../src/modules/identity/passwords.js';
import { copyProjectInto, runCli, startCli } from './cli.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { waitFor } from './wait.js';

/** The parent process id of `pid`, from /proc (field 4 of stat, after the parenthesised name). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('carsi CLI', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('prints help for the program and for each command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['serve', 'worker', 'migrate', 'seed', 'user create', 'tenant create', 'openapi'])
      expect(top.stdout).toContain(command);
    const serve = await runCli(['serve', '--help']);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toContain('--no-worker');
    const seed = await runCli(['seed', '-h']);
    expect(seed.stdout).toContain('--demo');
  });

  it('exits with 2 and a usage message for an unknown command or option', async () => {
    const unknown = await runCli(['servve']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "servve"');
    const badOption = await runCli(['migrate', '--fast']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--fast'");
    const sizeWithoutDemo = await runCli(['seed', '--size', 'large']);
    expect(sizeWithoutDemo.code).toBe(2);
    expect(sizeWithoutDemo.stderr).toContain('--size applies to "seed --demo" only');
    const badSize = await runCli(['seed', '--demo', '--size', 'huge']);
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toContain('--size must be one of: small, large');
  });

  it('stops at start with one message listing every bad variable', async () => {
    const result = await runCli(['serve'], {
      PORT: 'abc',
      DEFAULT_TENANT: 'Kötü Slug',
      REDIS_URL: 'http://x',
      // Contains "admin", the default BOOTSTRAP_ADMIN_EMAIL's local part.
      BOOTSTRAP_ADMIN_PASSWORD: 'Admin-Parola-2024!',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid configuration:');
    for (const name of ['PORT', 'DEFAULT_TENANT', 'REDIS_URL', 'BOOTSTRAP_ADMIN_PASSWORD'])
      expect(result.stderr).toContain(`- ${name}:`);
    expect(result.stderr).toContain('BOOTSTRAP_ADMIN_PASSWORD: must not contain "admin"');
  });

  it('prints the OpenAPI document without a database', async () => {
    const result = await runCli(['openapi'], {
      CARSI_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'carsi-openapi-')),
    });
    expect(result.code).toBe(0);
    const spec = JSON.parse(result.stdout);
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.paths['/api/v1/tenant'].get.responses['200']).toBeDefined();
  });

  it('creates users with "user create", refusing bad input', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const dataDir = mkdtempSync(path.join(tmpdir(), 'carsi-user-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = {
      DATABASE_URL: database.ownerUrl,
      CARSI_DATA_DIR: dataDir,
      BOOTSTRAP_ADMIN_PASSWORD: 'Bootstrap-Pass-2024!',
    };
    const created = await runCli(
      [
        'user',
        'create',
        '--email',
        'satis@ornek.com',
        '--password',
        'Kirmizi-Kalem-2024',
        '--role',
        'sales_manager',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    // The id is the last line (a fresh database also reports its first administrators first).
    expect(created.stdout.trim().split('\n').at(-1)).toMatch(/^[0-9a-f-]{36}$/);
    const platform = await runCli(
      ['user', 'create', '--platform', '--email', 'ops@carsi.test', '--password', 'Yonetim-Paneli-2024'],
      env,
    );
    expect(platform.code, platform.stderr).toBe(0);

    const client = new pg.Client({ connectionString: database.ownerUrl });
    await client.connect();
    const { rows } = await client.query(
      `SELECT u.kind, r.key FROM users u LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id
        WHERE u.email IN ('satis@ornek.com', 'ops@carsi.test') ORDER BY u.email`,
    );
    await client.end();
    expect(rows).toEqual([
      { kind: 'platform', key: null },
      { kind: 'staff', key: 'sales_manager' },
    ]);

    // The demo tenant gets its roles too, so its users can hold them; the default tenant gets the small
    // demo catalog, searchable at once, and a second run adds nothing.
    expect((await runCli(['seed', '--demo'], env)).code).toBe(0);
    expect((await runCli(['seed', '--demo'], env)).code).toBe(0);
    const catalog = new pg.Client({ connectionString: database.ownerUrl });
    await catalog.connect();
    const counts = await catalog.query(
      `SELECT count(*)::int AS products,
              count(*) FILTER (WHERE search_vector IS NOT NULL AND min_price IS NOT NULL)::int AS searchable,
              (SELECT count(*)::int FROM product_variants) AS variants,
              (SELECT count(*)::int FROM categories) AS categories
         FROM products`,
    );
    await catalog.end();
    expect(counts.rows[0]).toEqual({ products: 48, searchable: 48, variants: 144, categories: 21 });
    const dealer = await runCli(
      [
        'user',
        'create',
        '--tenant',
        'demo-bayi',
        '--kind',
        'customer',
        '--role',
        'dealer_owner',
        '--email',
        'bayi@ornek.com',
        '--password',
        'Kirmizi-Kalem-2024',
      ],
      env,
    );
    expect(dealer.code, dealer.stderr).toBe(0);

    const taken = await runCli(
      ['user', 'create', '--email', 'SATIS@ornek.com', '--password', 'Kirmizi-Kalem-2024'],
      env,
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('users.email_taken');
    const badRole = await runCli(
      ['user', 'create', '--email', 'x@ornek.com', '--password', 'Kirmizi-Kalem-2024', '--role', 'king'],
      env,
    );
    expect(badRole.stderr).toContain('roles.not_found');
    const missing = await runCli(['user', 'create', '--email', 'y@ornek.com'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--email and --password are required');
  }, 120_000);

  it('creates a tenant with its owner with "tenant create", refusing bad input', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const dataDir = mkdtempSync(path.join(tmpdir(), 'carsi-tenant-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = {
      DATABASE_URL: database.ownerUrl,
      CARSI_DATA_DIR: dataDir,
      BOOTSTRAP_ADMIN_PASSWORD: 'Bootstrap-Pass-2024!',
    };
    const owner = new pg.Client({ connectionString: database.ownerUrl });
    await owner.connect();
    cleanups.push(() => owner.end());
    const rowsFor = async (slug: string, email: string) =>
      (
        await owner.query(
          `SELECT (SELECT count(*)::int FROM tenants WHERE slug = $1) AS tenants,
                  (SELECT count(*)::int FROM users WHERE email_key = $2) AS users,
                  (SELECT count(*)::int FROM outbound_messages WHERE recipient = $2) AS messages`,
          [slug, email],
        )
      ).rows[0];

    const help = await runCli(['tenant', 'create', '--help']);
    expect(help.code).toBe(0);
    for (const option of ['--slug', '--name', '--owner-email', '--owner-password', '--owner-name'])
      expect(help.stdout).toContain(option);
    for (const [args, message] of [
      [
        ['tenant', 'create', '--slug', 'izmir', '--name', 'İzmir'],
        '--slug, --name and --owner-email are required',
      ],
      [['tenant', '--slug', 'izmir', '--name', 'İzmir', '--owner-email', 'a@b.com'], 'carsi tenant create'],
      [
        ['tenant', 'create', '--slug', 'İzmir', '--name', 'İzmir', '--owner-email', 'a@b.com'],
        '--slug must be',
      ],
      [
        ['tenant', 'create', '--slug', 'izmir', '--name', 'İzmir', '--owner-email', 'a-b.com'],
        '--owner-email is not',
      ],
      [
        ['tenant', 'create', '--slug', 'izmir', '--name', 'İzmir', '--owner-email', 'a@b.com', '--role', 'x'],
        '--role applies to "user create" only',
      ],
      [
        [
          'user',
          'create',
          '--email',
          'a@b.com',
          '--password',
          'Kirmizi-Kalem-2024',
          '--owner-email',
          'a@b.com',
        ],
        '--owner-email applies to "tenant create" only',
      ],
    ] as [string[], string][]) {
      const result = await runCli(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(await rowsFor('izmir', 'a@b.com')).toEqual({ tenants: 0, users: 0, messages: 0 });

    const password = 'Ege-Bolgesi-2024';
    const created = await runCli(
      [
        'tenant',
        'create',
        '--slug',
        'izmir',
        '--name',
        'İzmir Ambalaj',
        '--owner-email',
        'sahip@izmir.com.tr',
        '--owner-password',
        password,
        '--owner-name',
        'Ayşe Sahip',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(
      'Owner sahip@izmir.com.tr (super_admin): signs in with the given password',
    );
    const [tenantId, ownerId] = created.stdout.trim().split('\n').slice(-2);
    const { rows } = await owner.query(
      `SELECT t.id AS tenant_id, t.name AS tenant, u.id AS user_id, u.name, u.kind, u.password_hash,
              array_agg(r.key) AS roles
         FROM users u JOIN tenants t ON t.id = u.tenant_id
         JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
        WHERE u.email_key = 'sahip@izmir.com.tr' GROUP BY t.id, u.id`,
    );
    expect(rows).toMatchObject([
      {
        tenant_id: tenantId,
        tenant: 'İzmir Ambalaj',
        user_id: ownerId,
        name: 'Ayşe Sahip',
        kind: 'staff',
        roles: ['super_admin'],
      },
    ]);
    expect(await verifyPassword(rows[0].password_hash, password)).toBe(true);
    const builtIn = await owner.query('SELECT count(*)::int AS n FROM roles WHERE tenant_id = $1', [
      tenantId,
    ]);
    expect(builtIn.rows[0].n).toBe(BUILT_IN_ROLES.length);

    const invited = await runCli(
      ['tenant', 'create', '--slug', 'manisa', '--name', 'Manisa', '--owner-email', 'davet@manisa.com.tr'],
      env,
    );
    expect(invited.code, invited.stderr).toBe(0);
    expect(invited.stdout).toContain('emailed a link to choose a password');
    const message = await owner.query(
      `SELECT m.template, t.slug FROM outbound_messages m JOIN tenants t ON t.id = m.tenant_id
        WHERE m.recipient = 'davet@manisa.com.tr'`,
    );
    expect(message.rows).toEqual([{ template: 'identity.invitation', slug: 'manisa' }]);

    const weak = await runCli(
      [
        'tenant',
        'create',
        '--slug',
        'zayif',
        '--name',
        'Zayıf',
        '--owner-email',
        'sahip@zayif.com.tr',
        '--owner-password',
        'sahip12345',
      ],
      env,
    );
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('(auth.weak_password)');
    expect(await rowsFor('zayif', 'sahip@zayif.com.tr')).toEqual({ tenants: 0, users: 0, messages: 0 });
    const taken = await runCli(
      ['tenant', 'create', '--slug', 'izmir', '--name', 'Başka', '--owner-email', 'baska@izmir.com.tr'],
      env,
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('(tenant.slug_taken)');
    expect(await rowsFor('izmir', 'baska@izmir.com.tr')).toEqual({ tenants: 1, users: 0, messages: 0 });
  }, 120_000);

  it('runs on the embedded PostgreSQL and keeps its data across restarts', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'carsi-embedded-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const seeded = await runCli(['seed', '--demo'], { CARSI_DATA_DIR: dataDir });
    expect(seeded.code, seeded.stderr).toBe(0);

    let postgresPid: number | undefined;
    for (let start = 0; start < 2; start++) {
      const port = await findFreePort();
      const server = await startCli(
        ['serve'],
        { CARSI_DATA_DIR: dataDir, PORT: String(port) },
        'Çarşı is running',
      );
      try {
        expect(server.output()).toContain(`Docs: http://localhost:${port}/docs`);
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/tenant`, {
          headers: { 'x-tenant': 'demo-bayi' },
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ slug: 'demo-bayi', name: 'Demo Bayi Kırtasiye' });
        expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
        postgresPid = readPostmasterFile(path.join(dataDir, 'pg'))?.pid;
        expect(postgresPid).toBeGreaterThan(0);
        if (start === 0) {
          await besideTheServer(port);
          await asTheReadmeSays();
        }
      } finally {
        expect(await server.stop()).toBe(0);
      }
      // SIGTERM stopped the embedded database with the server.
      expect(processExists(postgresPid!)).toBe(false);
      expect(readPostmasterFile(path.join(dataDir, 'pg'))).toBeUndefined();
    }

    /** The README's way in: the port on line 4 of postmaster.pid, the owner's documented password. */
    async function asTheReadmeSays() {
      const port = readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3];
      const client = new pg.Client({
        connectionString: `postgres://postgres:carsi-embedded@127.0.0.1:${port}/carsi`,
      });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT slug FROM tenants ORDER BY slug');
        expect(rows.map((row) => row.slug)).toEqual(['demo', 'demo-bayi']);
      } finally {
        await client.end();
      }
    }

    /** One-off commands use the cluster the server holds; a second server is refused, saying why. */
    async function besideTheServer(port: number) {
      const migrated = await runCli(['migrate'], { CARSI_DATA_DIR: dataDir });
      expect(migrated.code, migrated.stderr).toBe(0);
      const password = 'Kirmizi-Kalem-2024';
      const created = await runCli(
        ['user', 'create', '--email', 'yanindaki@ornek.com', '--password', password],
        { CARSI_DATA_DIR: dataDir },
      );
      expect(created.code, created.stderr).toBe(0);
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'yanindaki@ornek.com', password }),
      });
      expect(login.status).toBe(200);
      const second = await runCli(['serve'], { CARSI_DATA_DIR: dataDir, PORT: String(await findFreePort()) });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('is already running (PostgreSQL process');
      expect(second.stderr).toContain('set DATABASE_URL');
      expect(second.stderr).not.toContain('undefined');
    }
  }, 120_000);

  it.skipIf(process.getuid?.() !== 0)(
    'runs the embedded PostgreSQL as root from a directory the postgres user cannot enter',
    async () => {
      // A clone under /root looks like this: mode 700, binaries and data inside it.
      const clone = mkdtempSync(path.join(tmpdir(), 'carsi-closed-'));
      chmodSync(clone, 0o700);
      const dataDir = path.join(clone, '.carsi');
      let clusterHome: string | undefined;
      cleanups.push(() => {
        rmSync(clone, { recursive: true, force: true });
        if (clusterHome) rmSync(clusterHome, { recursive: true, force: true });
      });
      copyProjectInto(clone);
      const postgresUser = { name: 'postgres', uid: 0, gid: 0 };
      const env = { CARSI_DATA_DIR: dataDir, BOOTSTRAP_ADMIN_PASSWORD: 'Bootstrap-Pass-2024!' };

      // A cluster already inside the closed directory is never moved behind one's back: the start
      // stops, saying what to do.
      mkdirSync(path.join(dataDir, 'pg'), { recursive: true });
      writeFileSync(path.join(dataDir, 'pg', 'PG_VERSION'), '17\n');
      const refused = await runCli(['migrate'], env, { cwd: clone });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `The embedded database in ${path.join(dataDir, 'pg')} cannot be reached`,
      );
      expect(refused.stderr).toContain('leave a symbolic link to it');
      expect(refused.stderr).not.toMatch(/EACCES|Unhandled|undefined/);
      rmSync(path.join(dataDir, 'pg'), { recursive: true });

      const migrated = await runCli(['migrate'], env, { cwd: clone });
      expect(migrated.code, migrated.stderr).toBe(0);
      // The cluster lives where its user can reach it, and the project's data directory points there.
      const link = path.join(dataDir, 'pg');
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      clusterHome = path.join(ROOT_STATE_DIR, 'clusters', clusterKey(dataDir));
      expect(realpathSync(link)).toBe(path.join(clusterHome, 'pg'));
      const owner = statSync(path.join(clusterHome, 'pg'));
      postgresUser.uid = owner.uid;
      postgresUser.gid = owner.gid;
      expect(owner.uid).not.toBe(0);
      expect(existsSync(path.join(clusterHome, 'pg', 'PG_VERSION'))).toBe(true);
      // The test's premise: the system user cannot enter the clone, binaries included.
      expect(userCan(postgresUser, ['-x', clone])).toBe(false);

      const port = await findFreePort();
      const server = await startCli(['serve'], { ...env, PORT: String(port) }, 'Çarşı is running', 60_000, {
        cwd: clone,
      });
      let postgresPid: number | undefined;
      try {
        expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
        postgresPid = readPostmasterFile(link)?.pid;
        expect(postgresPid).toBeGreaterThan(0);
        // PostgreSQL runs the copy of the binaries, not the clone's.
        expect(readlinkSync(`/proc/${postgresPid}/exe`)).toMatch(new RegExp(`^${ROOT_STATE_DIR}/binaries/`));
        expect(statSync(`/proc/${postgresPid}`).uid).toBe(owner.uid);
      } finally {
        expect(await server.stop()).toBe(0);
      }
      expect(processExists(postgresPid!)).toBe(false);
    },
    120_000,
  );

  it.skipIf(process.platform !== 'linux')(
    'stops the server and its embedded database when the npm running it is sent SIGTERM',
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'carsi-npm-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const port = await findFreePort();
      const npm = await startCli(
        ['serve'],
        { CARSI_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' },
        'Çarşı is running',
        90_000,
        { command: ['npm', 'run', '--silent', 'carsi', '--'] },
      );
      const postgres = readPostmasterFile(path.join(dataDir, 'pg'))!;
      const server = parentOf(postgres.pid);
      // Should the server not stop, it must not outlive the test: it is signalled itself, by its id.
      cleanups.push(() => {
        if (processExists(server)) process.kill(server, 'SIGTERM');
      });
      // The case at hand: npm signals the shell it runs the command in, not the server below it.
      expect(parentOf(server)).not.toBe(npm.child.pid);
      expect(parentOf(parentOf(server))).toBe(npm.child.pid);
      await npm.stop();
      await waitFor(() => (processExists(server) || processExists(postgres.pid) ? undefined : true), 40_000);
      expect(npm.output()).toContain('"signal":"parent process exited"');
      expect(npm.output()).toContain('"msg":"stopped"');
      expect(readPostmasterFile(path.join(dataDir, 'pg'))).toBeUndefined();
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    },
    120_000,
  );

  it('starts two API processes and a worker on one empty database: migrations run once, all are ready', async () => {
    const database: TestDatabase = await createTestDatabase({ empty: true });
    cleanups.push(() => database.drop());
    const dataDir = mkdtempSync(path.join(tmpdir(), 'carsi-pair-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const ports = [await findFreePort(), await findFreePort(), await findFreePort()];
    const metricsPort = await findFreePort();
    const token = 'cli-metrics-token-0123456789';
    const env = (port: number, metrics: Record<string, string> = {}) => ({
      DATABASE_URL: database.ownerUrl,
      CARSI_DATA_DIR: dataDir,
      PORT: String(port),
      ...metrics,
    });
    const servers = await Promise.all([
      startCli(['serve', '--no-worker'], env(ports[0]!, { METRICS_TOKEN: token }), 'Çarşı is running'),
      startCli(['serve'], env(ports[1]!, { TRUST_PROXY: 'true' }), 'Çarşı is running'),
      startCli(
        ['worker'],
        env(ports[2]!, { METRICS_TOKEN: token, METRICS_PORT: String(metricsPort) }),
        'Çarşı worker is running',
      ),
    ]);
    try {
      const readiness = await Promise.all(
        ports.map(async (port) => {
          const ready = await fetch(`http://127.0.0.1:${port}/ready`);
          const body = (await ready.json()) as { checks: { jobWorkers: string } };
          return [ready.status, body.checks.jobWorkers];
        }),
      );
      expect(readiness).toEqual([
        [200, 'disabled'],
        [200, 'running'],
        [200, 'running'],
      ]);
      // The worker serves its probes, not the API; its metrics follow the same rules as an API process's.
      expect((await fetch(`http://127.0.0.1:${ports[2]}/api/v1/tenant`)).status).toBe(404);
      const bearer = { authorization: `Bearer ${token}` };
      expect(servers[2]!.output()).toContain(`Metrics: http://127.0.0.1:${metricsPort}/metrics`);
      const onProbePort = await fetch(`http://127.0.0.1:${ports[2]}/metrics`, { headers: bearer });
      expect(onProbePort.status).toBe(404);
      expect(((await onProbePort.json()) as { code: string }).code).toBe('metrics.not_served');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: bearer });
      expect(await scraped.text()).toContain('carsi_job_failures_total');
      // The API process with a token serves them on its port; the one without none.
      expect((await fetch(`http://127.0.0.1:${ports[0]}/metrics`, { headers: bearer })).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${ports[0]}/metrics`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${ports[1]}/metrics`, { headers: bearer })).status).toBe(404);
      expect(servers[1]!.output()).toContain('Metrics: off (set METRICS_TOKEN or METRICS_PORT)');
      // An API process without TRUST_PROXY says at start what that means behind a proxy; one with it
      // and a worker (which serves no clients) do not.
      expect(servers[0]!.output()).toContain('TRUST_PROXY is unset');
      expect(servers[0]!.output()).toContain('Behind a proxy, set TRUST_PROXY');
      expect(servers[1]!.output()).not.toContain('TRUST_PROXY is unset');
      expect(servers[2]!.output()).not.toContain('TRUST_PROXY is unset');
      // Without SMTP_URL, each process that delivers messages says once that they stay in the outbox;
      // the API-only process delivers none and does not.
      const mailNotice = (server: number) => servers[server]!.output().split('SMTP_URL is unset').length - 1;
      expect([mailNotice(0), mailNotice(1), mailNotice(2)]).toEqual([0, 1, 1]);
      expect(servers[1]!.output()).toContain('Mail: kept in the outbox (SMTP_URL unset)');
      expect(servers[0]!.output()).toContain('Mail: sent by the worker processes');

      const client = new pg.Client({ connectionString: database.ownerUrl });
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      const tenants = await client.query(`SELECT count(*)::int AS n FROM tenants WHERE slug = 'demo'`);
      await client.end();
      expect(rows[0].n).toBe(shippedMigrationCount());
      expect(tenants.rows[0].n).toBe(1);
    } finally {
      // Each stops on SIGTERM through its own graceful shutdown, and says so with exit code 0.
      const codes = [];
      for (const server of servers) codes.push(await server.stop());
      expect(codes).toEqual([0, 0, 0]);
    }
  });
});
