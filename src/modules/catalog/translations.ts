import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../db/tx.js';
import type { TranslationInput, TranslationPatch } from './contracts.js';
import { invalidField, taken } from './errors.js';
import { categoryTranslations, productTranslations } from './schema.js';
import { baseSlug, claimSlug, type SlugSpace } from './slugs.js';

/** Texts of one locale as stored. */
export interface StoredTranslation {
  name: string;
  slug: string;
  description: string | null;
}
export type TranslationMap = Record<string, StoredTranslation>;

/**
 * Products and categories keep their texts alike: one row per locale with a name, a description and
 * a slug unique per tenant and locale. This describes one of the two tables.
 */
interface TranslationTable {
  kind: 'product' | 'category';
  table: typeof productTranslations | typeof categoryTranslations;
  owner: typeof productTranslations.productId | typeof categoryTranslations.categoryId;
  /** Slug used when a name has no letters a slug can be made of. */
  fallbackSlug: string;
}

export const PRODUCT_TEXTS: TranslationTable = {
  kind: 'product',
  table: productTranslations,
  owner: productTranslations.productId,
  fallbackSlug: 'urun',
};
export const CATEGORY_TEXTS: TranslationTable = {
  kind: 'category',
  table: categoryTranslations,
  owner: categoryTranslations.categoryId,
  fallbackSlug: 'kategori',
};

function columns(store: TranslationTable) {
  const t = store.table;
  return { locale: t.locale, name: t.name, slug: t.slug, description: t.description };
}

/** The texts of each owner, by locale. */
export async function translationsOf(
  tx: Tx,
  store: TranslationTable,
  ownerIds: readonly string[],
): Promise<Map<string, TranslationMap>> {
  const result = new Map<string, TranslationMap>(ownerIds.map((id) => [id, {}]));
  if (ownerIds.length === 0) return result;
  const rows = await tx.db
    .select({ owner: store.owner, ...columns(store) })
    .from(store.table)
    .where(inArray(store.owner, [...ownerIds]));
  for (const row of rows) {
    const texts = result.get(row.owner);
    if (texts) texts[row.locale] = { name: row.name, slug: row.slug, description: row.description };
  }
  return result;
}

/** 409 when another owner uses `slug` in `locale`. */
async function assertSlugFree(
  tx: Tx,
  store: TranslationTable,
  ownerId: string,
  locale: string,
  slug: string,
) {
  const c = columns(store);
  const [other] = await tx.db
    .select({ owner: store.owner })
    .from(store.table)
    .where(and(eq(c.locale, locale), eq(c.slug, slug), ne(store.owner, ownerId)))
    .limit(1);
  if (other) {
    throw taken(
      'catalog.slug_taken',
      `translations/${locale}/slug`,
      `Another ${store.kind} uses the slug "${slug}" in "${locale}".`,
    );
  }
}

/** Inserts one locale's row; false when the slug was taken meanwhile (ON CONFLICT on the slug key). */
async function insertRow(
  tx: Tx,
  store: TranslationTable,
  ownerId: string,
  locale: string,
  text: StoredTranslation,
): Promise<boolean> {
  const result = await tx.db.execute(sql`
    INSERT INTO ${store.table} (tenant_id, ${sql.identifier(store.owner.name)}, locale, name, slug, description)
    VALUES (${tx.ctx.tenantId}, ${ownerId}, ${locale}, ${text.name}, ${text.slug}, ${text.description})
    ON CONFLICT (tenant_id, locale, slug) DO NOTHING`);
  return (result.rowCount ?? 0) > 0;
}

/**
 * Stores a new locale's texts. A given slug must be free (409 naming the field otherwise); without one,
 * the slug is made from the name and gets a numeric suffix when taken ("kutu", "kutu-2", …).
 */
async function addLocale(
  tx: Tx,
  store: TranslationTable,
  ownerId: string,
  locale: string,
  input: TranslationInput,
): Promise<StoredTranslation> {
  const description = input.description ?? null;
  if (input.slug !== undefined) {
    await assertSlugFree(tx, store, ownerId, locale, input.slug);
    const text = { name: input.name, slug: input.slug, description };
    // Lost a race since the check: the same 409 the check would have given.
    if (!(await insertRow(tx, store, ownerId, locale, text)))
      await assertSlugFree(tx, store, ownerId, locale, input.slug);
    return text;
  }
  const space: SlugSpace = {
    table: store.table,
    column: columns(store).slug,
    scope: eq(columns(store).locale, locale),
  };
  const slug = await claimSlug(tx, space, baseSlug(input.name, store.fallbackSlug), (candidate) =>
    insertRow(tx, store, ownerId, locale, { name: input.name, slug: candidate, description }),
  );
  return { name: input.name, slug, description };
}

/** Stores the texts of a new product or category. */
export async function insertTranslations(
  tx: Tx,
  store: TranslationTable,
  ownerId: string,
  translations: Record<string, TranslationInput>,
): Promise<TranslationMap> {
  const stored: TranslationMap = {};
  for (const locale of Object.keys(translations).sort()) {
    stored[locale] = await addLocale(tx, store, ownerId, locale, translations[locale]!);
  }
  return stored;
}

/**
 * Applies changes per locale: a known locale gets the given fields (a slug changes only when one is
 * given: renaming does not move URLs), a new locale needs a name, null removes a locale unless it is
 * the last one.
 */
export async function patchTranslations(
  tx: Tx,
  store: TranslationTable,
  ownerId: string,
  existing: TranslationMap,
  patch: Record<string, TranslationPatch | null>,
): Promise<TranslationMap> {
  const result: TranslationMap = { ...existing };
  const c = columns(store);
  for (const locale of Object.keys(patch).sort()) {
    const change = patch[locale];
    const where = and(eq(store.owner, ownerId), eq(c.locale, locale));
    if (change === null || change === undefined) {
      if (!existing[locale]) continue;
      delete result[locale];
      await tx.db.delete(store.table).where(where);
      continue;
    }
    const current = existing[locale];
    if (!current) {
      if (change.name === undefined) {
        throw invalidField(
          'catalog.name_required',
          `translations/${locale}/name`,
          'a new locale needs a name',
        );
      }
      result[locale] = await addLocale(tx, store, ownerId, locale, { ...change, name: change.name });
      continue;
    }
    if (change.slug !== undefined && change.slug !== current.slug) {
      await assertSlugFree(tx, store, ownerId, locale, change.slug);
    }
    const next: StoredTranslation = {
      name: change.name ?? current.name,
      slug: change.slug ?? current.slug,
      description: change.description === undefined ? current.description : change.description,
    };
    await tx.db.update(store.table).set(next).where(where);
    result[locale] = next;
  }
  if (Object.keys(result).length === 0) {
    throw invalidField('catalog.last_locale', 'translations', 'the last locale cannot be removed');
  }
  return result;
}
