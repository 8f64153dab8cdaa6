import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanErrorUses } from './error-usage.js';

/** A small source tree using every way of making a code the scan knows, and one it cannot read. */
const SOURCES: Record<string, string> = {
  'src/kernel/errors.ts': `
    export class AppError extends Error {
      constructor(readonly code: string, readonly status: number, detail: string, extra = {}) { super(detail); }
    }
    export function buildProblem(code: string, status: number, detail: string) { return { code, status, detail }; }`,
  'src/kernel/error-registry.ts': `export function defineErrors(title: string, codes: object) { return { title, codes }; }`,
  'src/modules/shop/errors.ts': `
    import { defineErrors } from '../../kernel/error-registry.js';
    import { AppError } from '../../kernel/errors.js';
    export const shopErrors = defineErrors('Shop', { 'shop.declared': { status: 400, meaning: 'm' } });
    export function invalid(code: string, field: string) { return new AppError(code, 400, field); }
    export function invalidOne(code: string) { return invalid(code, 'one'); }
    export function withStatus(code: string, status: number) { return new AppError(code, status, 'x'); }`,
  'src/modules/shop/index.ts': `export { invalidOne as invalidField } from './errors.js';\nexport * from './more.js';`,
  'src/modules/shop/more.ts': `
    import { AppError } from '../../kernel/errors.js';
    export class Gone extends AppError { constructor() { super('shop.gone', 410, 'gone'); } }`,
  'src/modules/shop/service.ts': `
    import { AppError as Failure, buildProblem } from '../../kernel/errors.js';
    import { shopErrors, withStatus } from './errors.js';
    import * as shop from './index.js';
    export function run(flag: boolean, code: string) {
      if (flag) throw new Failure(
        'shop.multi_line',
        409,
        'split over lines',
      );
      if (flag) throw shop.invalidField('shop.through_reexport');
      if (flag) throw new shop.Gone();
      if (flag) throw withStatus('shop.given_status', 422);
      if (flag) throw new Failure(flag ? 'shop.one' : 'shop.other', 400, 'either');
      if (flag) throw shopErrors.error('shop.declared', 'from the group');
      if (flag) return buildProblem('shop.built', 503, 'built');
      if (flag) throw new Failure(\`shop.\${code}\`, 400, 'built from a template');
      throw new Failure(code, 400, 'passed in');
    }
    const CODES = ['shop.in_a_table'];
    export const again = () => run(true, CODES[0]!);
    export function orphan(code: string) { return new Failure(code, 400, 'never called'); }`,
  'src/modules/shop/service.test.ts': `import { AppError } from '../../kernel/errors.js'; new AppError('shop.in_a_test', 400, 'x');`,
};

describe('scanErrorUses', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'carsi-error-scan-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(SOURCES)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  const scan = scanErrorUses(root);
  const made = scan.uses.map((use) => `${use.code} ${use.status}`).sort();

  it('finds codes made directly, over lines, through helpers, re-exports, subclasses and groups', () => {
    expect(made).toEqual([
      'shop.built 503',
      'shop.declared null',
      'shop.given_status 422',
      'shop.gone 410',
      'shop.multi_line 409',
      'shop.one 400',
      'shop.other 400',
      'shop.through_reexport 400',
    ]);
  });

  it('says where each use is', () => {
    expect(scan.uses.find((use) => use.code === 'shop.multi_line')?.where).toBe(
      'src/modules/shop/service.ts:6',
    );
  });

  it('reports a code it cannot read instead of skipping it', () => {
    expect(scan.unread).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture's template literal, as text
      { where: 'src/modules/shop/service.ts:17', what: 'code ``shop.${code}``' },
      { where: 'src/modules/shop/service.ts:21', what: 'code `CODES[0]!`' },
      {
        where: 'src/modules/shop/service.ts:22',
        what: 'code passed to `orphan`, which has no caller the scan can follow',
      },
    ]);
  });

  it('knows where each code is declared', () => {
    expect(scan.declaredIn.get('shop.declared')).toEqual(['src/modules/shop/errors.ts']);
  });

  it('reports explanations no site needs any more', () => {
    // The fixture has none of the real tree's explained sites.
    expect(scan.staleExplanations).toContain('src/kernel/http/problem-handler.ts: `known.code`');
  });
});
