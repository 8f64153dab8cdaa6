import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RegisteredError } from '../src/kernel/error-registry.js';
import { docsProblems, registryProblems } from './error-check.js';
import { errorsDocument, README_END, README_START, statusTable } from './error-docs.js';
import type { CodeUse, ErrorUses } from './error-usage.js';

const registered = (code: string, statuses: number[]): RegisteredError => ({
  code,
  statuses,
  meaning: `What ${code} means.`,
  group: 'Shop',
});

const scanOf = (uses: CodeUse[], more: Partial<ErrorUses> = {}): ErrorUses => ({
  uses,
  unread: [],
  staleExplanations: [],
  declaredIn: new Map([
    ['shop.gone', ['src/modules/shop/errors.ts']],
    ['shop.twice', ['src/modules/shop/errors.ts']],
  ]),
  ...more,
});

describe('registryProblems', () => {
  const registry = [registered('shop.gone', [410]), registered('shop.twice', [400, 404])];
  const used = [
    { code: 'shop.gone', status: 410, where: 'src/modules/shop/service.ts:3' },
    { code: 'shop.twice', status: 400, where: 'src/modules/shop/service.ts:4' },
    { code: 'shop.twice', status: 404, where: 'src/modules/shop/service.ts:5' },
  ];

  it('finds nothing when every code made is registered with its statuses', () => {
    expect(registryProblems(registry, scanOf(used))).toEqual([]);
  });

  it('says which errors file a code made but not registered goes into', () => {
    const orders = { code: 'orders.empty', status: 409, where: 'src/modules/orders/service.ts:9' };
    const kernel = { code: 'request.odd', status: 400, where: 'src/kernel/http/odd.ts:2' };
    const problems = registryProblems(registry, scanOf([...used, orders, kernel]));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^`orders.empty` is answered at src\/modules\/orders\/service.ts:9 but not registered/,
    );
    expect(problems[0]).toContain(
      'add `orders.empty` with its status and meaning to src/modules/orders/errors.ts',
    );
    expect(problems[0]).toContain('run `npm run docs:errors`');
    expect(problems[1]).toContain(
      'add `request.odd` with its status and meaning to src/kernel/error-codes.ts',
    );
  });

  it('says where to add a status a code is answered with but not registered with', () => {
    const other = { code: 'shop.gone', status: 404, where: 'src/modules/shop/routes.ts:7' };
    expect(registryProblems(registry, scanOf([...used, other]))).toEqual([
      '`shop.gone` is answered with 404 at src/modules/shop/routes.ts:7 but registered with 410: add 404 to ' +
        'its status in src/modules/shop/errors.ts (or answer with a registered status), then run `npm run docs:errors`',
    ]);
  });

  it('reports a registered code nothing makes, and a registered status nothing answers', () => {
    const problems = registryProblems(registry, scanOf([used[1] as CodeUse]));
    expect(problems).toEqual([
      expect.stringMatching(
        /^`shop.gone` is registered in src\/modules\/shop\/errors.ts but nothing in src\/ answers/,
      ),
      expect.stringMatching(
        /^`shop.twice` is registered with 404 in src\/modules\/shop\/errors.ts but nothing answers/,
      ),
    ]);
  });

  it('accepts any registered status from a site that answers whatever status it is given', () => {
    const dynamic = [used[0] as CodeUse, { code: 'shop.twice', status: null, where: 'src/kernel/x.ts:1' }];
    expect(registryProblems(registry, scanOf(dynamic))).toEqual([]);
  });

  it('reports sites it cannot read and explanations no site needs', () => {
    const problems = registryProblems(
      registry,
      scanOf(used, {
        unread: [{ where: 'src/modules/shop/service.ts:8', what: 'code `pick()`' }],
        staleExplanations: ['src/modules/shop/errors.ts: `table[key]`'],
      }),
    );
    expect(problems).toEqual([
      expect.stringContaining(
        'src/modules/shop/service.ts:8: the code `pick()` of an error is not a literal',
      ),
      expect.stringContaining(
        'explains src/modules/shop/errors.ts: `table[key]`, which no site uses any more',
      ),
    ]);
  });
});

describe('docsProblems', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'carsi-error-docs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'docs'));
  const registry = [registered('shop.gone', [410])];
  const readme = (table: string[]) =>
    `# Shop\n\n- Errors:\n\n  ${README_START}\n${table.map((line) => `  ${line}\n`).join('')}  ${README_END}\n\nMore.\n`;

  it('finds nothing when the README table and docs/ERRORS.md are generated', () => {
    writeFileSync(path.join(root, 'README.md'), readme(statusTable(registry)));
    writeFileSync(path.join(root, 'docs/ERRORS.md'), errorsDocument(registry));
    expect(docsProblems(root, registry)).toEqual([]);
  });

  it('asks to run the script when either differs', () => {
    const more = [...registry, registered('shop.new', [409])];
    expect(docsProblems(root, more)).toEqual([
      "README.md's error table is not the registry's: run `npm run docs:errors`",
      "docs/ERRORS.md is not the registry's: run `npm run docs:errors`",
    ]);
  });

  it('asks for the markers when the README has lost them', () => {
    writeFileSync(path.join(root, 'README.md'), '# Shop\n');
    expect(docsProblems(root, registry)).toEqual([
      `README.md needs the lines ${README_START} and ${README_END} around the error table`,
    ]);
  });
});
