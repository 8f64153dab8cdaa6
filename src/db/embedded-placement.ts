import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { binariesIn, type PostgresBinaries } from './embedded-binaries.js';
import { EmbeddedDatabaseError } from './embedded-error.js';

/** The user PostgreSQL runs as when this process is root (initdb and postgres refuse to run as root). */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/** Where the cluster's programs and data are, as the user that runs PostgreSQL sees them. */
export interface Placement {
  binaries: PostgresBinaries;
  /** The real directory PostgreSQL is given as its data directory. */
  clusterDir: string;
  /** null: PostgreSQL runs as this process's own user. */
  user: SystemUser | null;
}

const SYSTEM_USER = 'postgres';
/**
 * Root-owned and traversable, for what the system user must reach when the project lies where it
 * cannot (a clone under /root, mode 700): copies of the binaries per package version, and clusters
 * keyed by the project's data directory.
 */
export const ROOT_STATE_DIR = '/var/lib/carsi/embedded-postgres';

/**
 * As root: PostgreSQL runs as the system user `postgres` (created when missing), which must be able to
 * execute the binaries and own the data directory. Binaries it cannot reach are copied to
 * ROOT_STATE_DIR/binaries/<package>-<version>; a data directory whose path it cannot traverse is
 * made at ROOT_STATE_DIR/clusters/<key>/pg and linked from `<dataDir>/pg`, so the data directory is
 * found in the same place by people and by later starts.
 */
export function placeForRoot(dataDir: string, found: PostgresBinaries): Placement {
  const user = ensureSystemUser();
  const binaries = reachableBinaries(user, found);
  const clusterDir = reachableClusterDir(user, dataDir);
  return { binaries, clusterDir, user };
}

function ensureSystemUser(): SystemUser {
  const existing = systemUserIds();
  if (existing) return existing;
  try {
    execFileSync('groupadd', ['--force', '--system', SYSTEM_USER], { stdio: 'pipe' });
    execFileSync('useradd', ['--system', '--gid', SYSTEM_USER, '--no-create-home', SYSTEM_USER], {
      stdio: 'pipe',
    });
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `PostgreSQL does not run as root, and the system user "${SYSTEM_USER}" to run it as could not be ` +
        `created (${firstLine(error)}). Create that user, run carsi as another user, or set DATABASE_URL.`,
    );
  }
  const created = systemUserIds();
  if (!created) throw new EmbeddedDatabaseError(`The system user "${SYSTEM_USER}" was not created.`);
  return created;
}

function systemUserIds(): SystemUser | undefined {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, SYSTEM_USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { name: SYSTEM_USER, uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** Whether `user` may do each test(1) check: e.g. ['-x', file, '-r', other]. Asked as that user, so every permission (ACLs too) counts. */
export function userCan(user: SystemUser, checks: string[]): boolean {
  const script = 'while [ $# -gt 0 ]; do test "$1" "$2" || exit 1; shift 2; done';
  const result = spawnSync('sh', ['-c', script, 'sh', ...checks], {
    uid: user.uid,
    gid: user.gid,
    cwd: '/',
    stdio: 'ignore',
  });
  return result.status === 0;
}

/** The directory nearest the root on `target`'s path that `user` cannot enter, for messages. */
function firstBlocked(user: SystemUser, target: string): string {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts) {
    current = path.join(current, part);
    if (!userCan(user, ['-x', current])) return current;
  }
  return target;
}

function binariesReachable(user: SystemUser, binaries: PostgresBinaries): boolean {
  const share = path.join(binaries.nativeDir, 'share', 'postgresql');
  return userCan(user, [
    '-x',
    binaries.initdb,
    '-x',
    binaries.postgres,
    '-x',
    path.join(binaries.nativeDir, 'lib'),
    '-r',
    path.join(share, 'postgres.bki'),
  ]);
}

function reachableBinaries(user: SystemUser, found: PostgresBinaries): PostgresBinaries {
  if (binariesReachable(user, found)) return found;
  const target = path.join(ROOT_STATE_DIR, 'binaries', found.label);
  if (!existsSync(target)) {
    try {
      makeTraversable(path.dirname(target));
      // Copied beside the target and renamed into place, so a process starting at the same time
      // never sees half a copy; of two copies, the second rename loses and its copy is removed.
      const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
      cpSync(found.nativeDir, partial, { recursive: true, verbatimSymlinks: true });
      chmodSync(partial, 0o755);
      try {
        renameSync(partial, target);
      } catch (error) {
        rmSync(partial, { recursive: true, force: true });
        if (!existsSync(target)) throw error;
      }
    } catch (error) {
      throw new EmbeddedDatabaseError(
        `PostgreSQL runs as the system user "${user.name}" when carsi runs as root, and that user cannot ` +
          `reach the binaries in ${found.nativeDir} (${firstBlocked(user, found.nativeDir)} is closed to it). ` +
          `Copying them to ${target} failed: ${firstLine(error)}. Make the project directory traversable ` +
          '(chmod o+x on each directory above it), run carsi as another user, or set DATABASE_URL.',
      );
    }
  }
  const copy = binariesIn(target, found.label, found);
  if (!binariesReachable(user, copy)) {
    throw new EmbeddedDatabaseError(
      `The system user "${user.name}" cannot run the PostgreSQL binaries copied to ${target} ` +
        `(${firstBlocked(user, target)} is closed to it). Make that path traversable, or set DATABASE_URL.`,
    );
  }
  return copy;
}

function reachableClusterDir(user: SystemUser, dataDir: string): string {
  const databaseDir = path.join(dataDir, 'pg');
  const link = lstatOrUndefined(databaseDir);
  if (link?.isSymbolicLink()) {
    // Placed outside the project by an earlier start (or by the operator): use where it points.
    let target: string;
    try {
      target = realpathSync(databaseDir);
    } catch {
      throw new EmbeddedDatabaseError(
        `${databaseDir} is a link to a directory that does not exist. Remove the link to start an empty ` +
          'database, or restore the directory it points to.',
      );
    }
    if (!userCan(user, ['-x', path.dirname(target)])) {
      throw new EmbeddedDatabaseError(
        `The system user "${user.name}" cannot reach the embedded database at ${target} ` +
          `(${firstBlocked(user, target)} is closed to it). Make that path traversable, or set DATABASE_URL.`,
      );
    }
    ownBy(user, target);
    return target;
  }

  if (userCan(user, ['-x', path.dirname(path.resolve(dataDir))])) {
    // The data directory holds root's secrets too, so it is not handed over; it only needs to be traversable.
    const mode = statSync(dataDir).mode & 0o777;
    if ((mode & 0o001) === 0) chmodSync(dataDir, mode | 0o011);
    mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
    ownBy(user, databaseDir);
    return databaseDir;
  }

  if (link) {
    // An empty directory is what a start that failed here before leaves; anything else is data.
    if (link.isDirectory() && readdirSync(databaseDir).length === 0) rmdirSync(databaseDir);
    else {
      throw new EmbeddedDatabaseError(
        `The embedded database in ${databaseDir} cannot be reached by the system user "${user.name}", ` +
          `which PostgreSQL runs as when carsi runs as root (${firstBlocked(user, databaseDir)} is closed ` +
          `to it). Make that directory traversable (chmod o+x), or move ${databaseDir} to a place the ` +
          `user can reach and leave a symbolic link to it at ${databaseDir}, or run carsi as another user.`,
      );
    }
  }
  const home = path.join(ROOT_STATE_DIR, 'clusters', clusterKey(dataDir));
  const clusterDir = path.join(home, 'pg');
  try {
    makeTraversable(home);
    // For whoever finds the directory: whose data it is.
    writeFileSync(path.join(home, 'data-dir'), `${path.resolve(dataDir)}\n`, { mode: 0o644 });
    mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
    ownBy(user, clusterDir);
    symlinkSync(clusterDir, databaseDir, 'dir');
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `The system user "${user.name}", which PostgreSQL runs as when carsi runs as root, cannot reach ` +
        `${databaseDir} (${firstBlocked(user, databaseDir)} is closed to it), and placing the database at ` +
        `${clusterDir} failed: ${firstLine(error)}. Make the project directory traversable, run carsi as ` +
        'another user, or set DATABASE_URL.',
    );
  }
  if (!userCan(user, ['-x', clusterDir])) {
    throw new EmbeddedDatabaseError(
      `The system user "${user.name}" cannot enter ${clusterDir} (${firstBlocked(user, clusterDir)} is ` +
        'closed to it). Make that path traversable, or set DATABASE_URL.',
    );
  }
  return clusterDir;
}

/** One cluster per project data directory, named by a hash of its real path. */
export function clusterKey(dataDir: string): string {
  return createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 16);
}

/** Creates `dir` and its missing parents under ROOT_STATE_DIR's root, readable and enterable by all. */
function makeTraversable(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const top = path.dirname(path.dirname(ROOT_STATE_DIR));
  for (let current = dir; current.startsWith(top) && current !== top; current = path.dirname(current)) {
    const mode = statSync(current).mode & 0o777;
    if ((mode & 0o755) !== 0o755) chmodSync(current, mode | 0o755);
  }
}

function ownBy(user: SystemUser, dir: string): void {
  const stat = statSync(dir);
  if (stat.uid !== user.uid || stat.gid !== user.gid) chownSync(dir, user.uid, user.gid);
}

function lstatOrUndefined(file: string) {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
