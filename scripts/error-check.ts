/**
 * What is wrong between the error registry, the source and the docs, each problem said as what to do.
 * The test runs these; they are plain functions so that their own failures can be tested too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RegisteredError } from '../src/kernel/error-registry.js';
import { ERRORS_DOC, errorsDocument, replaceBetweenMarkers, statusTable } from './error-docs.js';
import type { ErrorUses } from './error-usage.js';

const RUN = 'run `npm run docs:errors`';

/** The errors file a code used at `where` belongs in: its module's, or the kernel's. */
export function declaringFileFor(where: string): string {
  const module = /^src\/modules\/([^/]+)\//.exec(where);
  if (module) return `src/modules/${module[1]}/errors.ts`;
  if (where.startsWith('src/kernel/')) return 'src/kernel/error-codes.ts';
  return 'the errors.ts of the module that owns it';
}

/** Codes made but not registered (or with another status), and registered codes or statuses never made. */
export function registryProblems(registry: readonly RegisteredError[], scan: ErrorUses): string[] {
  const problems: string[] = [];
  const byCode = new Map(registry.map((error) => [error.code, error]));
  const declared = (code: string) => scan.declaredIn.get(code)?.join(' and ') ?? 'the registry';
  const missing = new Map<string, string[]>();
  for (const use of scan.uses) {
    const registered = byCode.get(use.code);
    if (!registered) {
      missing.set(use.code, [...(missing.get(use.code) ?? []), use.where]);
    } else if (use.status !== null && !registered.statuses.includes(use.status)) {
      problems.push(
        `\`${use.code}\` is answered with ${use.status} at ${use.where} but registered with ` +
          `${registered.statuses.join(', ')}: add ${use.status} to its status in ${declared(use.code)} ` +
          `(or answer with a registered status), then ${RUN}`,
      );
    }
  }
  for (const [code, sites] of missing) {
    const file = declaringFileFor(sites[0] as string);
    problems.push(
      `\`${code}\` is answered at ${sites.join(', ')} but not registered: add \`${code}\` with its status ` +
        `and meaning to ${file} (a new file's group also goes into src/errors.ts), then ${RUN}`,
    );
  }
  for (const error of registry) {
    const uses = scan.uses.filter((use) => use.code === error.code);
    if (uses.length === 0) {
      problems.push(
        `\`${error.code}\` is registered in ${declared(error.code)} but nothing in src/ answers with it: ` +
          `remove it there and ${RUN} (if it is made where the scan cannot see, explain the site in ` +
          'INDIRECT in scripts/error-usage.ts)',
      );
      continue;
    }
    // A site answering whatever status it is given cannot tell which registered ones are still used.
    if (uses.some((use) => use.status === null)) continue;
    for (const status of error.statuses) {
      if (uses.some((use) => use.status === status)) continue;
      problems.push(
        `\`${error.code}\` is registered with ${status} in ${declared(error.code)} but nothing answers ` +
          `it with ${status} any more: remove that status there and ${RUN}`,
      );
    }
  }
  for (const site of scan.unread) {
    problems.push(
      `${site.where}: the ${site.what} of an error is not a literal the check can read: pass a string ` +
        'literal (or a number), or explain the site in INDIRECT in scripts/error-usage.ts',
    );
  }
  for (const stale of scan.staleExplanations) {
    problems.push(
      `INDIRECT in scripts/error-usage.ts explains ${stale}, which no site uses any more: remove it`,
    );
  }
  return problems;
}

/** The generated docs that differ from what is committed. */
export function docsProblems(root: string, registry: readonly RegisteredError[]): string[] {
  const problems: string[] = [];
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  let expected: string;
  try {
    expected = replaceBetweenMarkers(readme, statusTable(registry));
  } catch (error) {
    return [(error as Error).message];
  }
  if (readme !== expected) problems.push(`README.md's error table is not the registry's: ${RUN}`);
  let document = '';
  try {
    document = readFileSync(path.join(root, ERRORS_DOC), 'utf8');
  } catch {
    // Missing counts as different.
  }
  if (document !== errorsDocument(registry)) problems.push(`${ERRORS_DOC} is not the registry's: ${RUN}`);
  return problems;
}
