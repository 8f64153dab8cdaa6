import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/tx.js';

/** Lower-case ASCII words joined by single dashes: what every slug, given or generated, must be. */
export const SLUG_PATTERN = '^[a-z0-9]+(?:-[a-z0-9]+)*$';
/** Fastify's router refuses path parameters over 100 characters; every slug must fit in a URL. */
export const MAX_SLUG_LENGTH = 100;
const SLUG = new RegExp(SLUG_PATTERN);

// Room left under MAX_SLUG_LENGTH for a collision suffix such as "-12".
const MAX_BASE_LENGTH = MAX_SLUG_LENGTH - 10;

// Turkish letters have no decomposition that ends in their ASCII twin (ı has none at all, and
// lower-casing "I" in a Turkish sense would give ı), so they are mapped first, explicitly.
const TURKISH: Record<string, string> = {
  ç: 'c',
  Ç: 'c',
  ğ: 'g',
  Ğ: 'g',
  ı: 'i',
  I: 'i',
  İ: 'i',
  ö: 'o',
  Ö: 'o',
  ş: 's',
  Ş: 's',
  ü: 'u',
  Ü: 'u',
};

/**
 * "Kraft Kutu Ölçülü" → "kraft-kutu-olculu". Turkish letters are transliterated, other accents are
 * dropped (â → a, é → e), everything that is not a letter or digit becomes one dash. Returns '' when
 * nothing usable is left (a name of only punctuation or of a script without Latin letters).
 */
export function slugify(text: string): string {
  const ascii = text
    .replace(/[çÇğĞıIİöÖşŞüÜ]/g, (letter) => TURKISH[letter] ?? letter)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  return ascii
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_BASE_LENGTH)
    .replace(/^-+|-+$/g, '');
}

export function isSlug(value: string): boolean {
  return value.length <= MAX_SLUG_LENGTH && SLUG.test(value);
}

/** Where a slug must be unique: a table's slug column, narrowed (e.g. to one locale) by `scope`. */
export interface SlugSpace {
  table: PgTable;
  column: PgColumn;
  scope?: SQL;
}

/**
 * The first of `base`, `base-2`, `base-3`, … not used in `space`. Only a candidate: a concurrent
 * transaction may take it first, so callers insert with ON CONFLICT DO NOTHING and ask again when
 * nothing was inserted (see `claimSlug`).
 */
export async function freeSlugCandidate(tx: Tx, space: SlugSpace, base: string): Promise<string> {
  const result = await tx.db.execute<{ slug: string }>(sql`
    SELECT ${space.column} AS slug FROM ${space.table}
     WHERE (${space.column} = ${base} OR ${space.column} ~ ${`^${base}-[0-9]+$`})
       ${space.scope ? sql`AND ${space.scope}` : sql``}`);
  const taken = new Set(result.rows.map((row) => row.slug));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Finds a free slug from `base` and stores it with `insert`, which must insert with ON CONFLICT DO
 * NOTHING and report whether a row was written. Retrying covers the race in which another
 * transaction takes the same candidate between the look-up and the insert.
 */
export async function claimSlug(
  tx: Tx,
  space: SlugSpace,
  base: string,
  insert: (slug: string) => Promise<boolean>,
): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const slug = await freeSlugCandidate(tx, space, base);
    if (await insert(slug)) return slug;
  }
  throw new Error(`no free slug for "${base}" after 5 attempts`);
}

/** The slug to generate from `name`, or `fallback` when the name has no usable letters. */
export function baseSlug(name: string, fallback: string): string {
  return slugify(name) || fallback;
}
