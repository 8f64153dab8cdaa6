import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorRegistry } from '../src/errors.js';
import { docsProblems, registryProblems } from './error-check.js';
import { scanErrorUses } from './error-usage.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Each problem in these lists says what to do about it.
describe('the error registry (src/errors.ts)', () => {
  const registry = errorRegistry();

  it('holds every code src/ answers, with each status it is answered with, and nothing more', () => {
    expect(registryProblems(registry, scanErrorUses(root))).toEqual([]);
  });

  it('is what the README error table and docs/ERRORS.md show', () => {
    expect(docsProblems(root, registry)).toEqual([]);
  });
});
