/**
 * `npm run docs:errors`: rewrites the README's error table (between its marker comments) and
 * docs/ERRORS.md from the error registry. Run it after declaring or changing a code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorRegistry } from '../src/errors.js';
import { ERRORS_DOC, errorsDocument, replaceBetweenMarkers, statusTable } from './error-docs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const registry = errorRegistry();

function write(relative: string, text: string): void {
  const file = path.join(root, relative);
  let before = '';
  try {
    before = readFileSync(file, 'utf8');
  } catch {
    // A file not there yet is written whole.
  }
  if (before === text) {
    console.log(`${relative}: up to date`);
    return;
  }
  writeFileSync(file, text);
  console.log(`${relative}: written`);
}

write(
  'README.md',
  replaceBetweenMarkers(readFileSync(path.join(root, 'README.md'), 'utf8'), statusTable(registry)),
);
write(ERRORS_DOC, errorsDocument(registry));
console.log(`${registry.length} codes`);
