import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Tx } from '../../../db/tx.js';
import type { AttributeFilter, ProductSearchQuery, ProductSort } from './engine.js';
import { likeContaining, type SearchWord } from './text-query.js';

/*
 * SQL fragments of the PostgreSQL listing. Every value is a bound parameter. Two facts about the
 * tables shape them:
 * - Row-level security evaluates the tenant policy before any condition whose operator is not
 *   LEAKPROOF (`@@`, `LIKE`, `@>`, numeric comparisons), so such conditions cannot drive an index and
 *   are checked on the rows the tenant's indexes return. Conditions on uuid, text equality, booleans
 *   and timestamps can, and the hot paths (status, order, brand, category, attribute options) use them.
 *   Words go through a definer function that uses the text indexes (textCondition).
 * - `products_listing_idx` orders `created_at DESC NULLS LAST, id DESC NULLS LAST`; the newest-first
 *   order is written the same way, or PostgreSQL would not use it.
 */

const dialect = new PgDialect();

/** A search word with the spellings that also count for it (typo corrections); the word itself first. */
export interface WordAlternatives {
  word: SearchWord;
  spellings: string[];
}

/**
 * Prepared statements are kept by every pooled connection until it closes, so only this many
 * distinct statement shapes are prepared per process; later ones run unnamed.
 */
const MAX_PREPARED_SHAPES = 64;
const preparedNames = new Set<string>();

/**
 * Runs a statement. With `prepare`, it becomes a named prepared statement of the connection: parsed
 * once, and after five runs PostgreSQL may keep a generic plan instead of planning it again (about a
 * millisecond for a listing page). Only for hot statements of a few fixed shapes.
 */
export async function query<R>(tx: Tx, statement: SQL, prepare = false): Promise<R[]> {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  let name: string | undefined;
  if (prepare) {
    const candidate = `catalog_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    if (preparedNames.has(candidate) || preparedNames.size < MAX_PREPARED_SHAPES) {
      preparedNames.add(candidate);
      name = candidate;
    }
  }
  const result = await tx.client.query({ text, values: params, ...(name ? { name } : {}) });
  return result.rows as R[];
}

/**
 * A page size written into the statement: with LIMIT as a parameter PostgreSQL never settles on a
 * generic plan for the listing (it cannot cost an unknown limit) and plans every execution again.
 */
export function limitLiteral(rows: number): SQL {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`not a row count: ${rows}`);
  return sql.raw(String(rows));
}

/** Statuses, never deleted products. One status is written literally so it matches the listing index. */
export function visibilityCondition(query: ProductSearchQuery): SQL {
  if (query.statuses.length === 1) {
    return sql`p.deleted_at IS NULL AND p.status = ${sql.raw(`'${statusLiteral(query.statuses[0]!)}'`)}`;
  }
  return sql`p.deleted_at IS NULL AND p.status = ANY(${sql.param(query.statuses)}::text[])`;
}

function statusLiteral(status: string): string {
  if (!/^[a-z]+$/.test(status)) throw new Error(`not a product status: ${status}`);
  return status;
}

/**
 * The products matching the words: every word, as a (stemmed or prefix) word or, for codes, a
 * substring. Found through `carsi_products_matching` (migration 0011), so the GIN indexes on the
 * search document and text are used (the tenant policy keeps them from a direct condition, see
 * above): the plain words as one conjunction, each code-like word with its substring pattern.
 */
export function textCondition(words: readonly WordAlternatives[]): SQL | null {
  if (words.length === 0) return null;
  const isCode = ({ word }: WordAlternatives) => word.codeLike && word.folded.length >= 3;
  const plain = words.filter((w) => !isCode(w));
  return sql.join(
    [
      ...(plain.length > 0 ? [productsMatching(allWordsTsQuery(plain), null)] : []),
      ...words
        .filter(isCode)
        .map(({ word, spellings }) =>
          productsMatching(sql`(${wordTsQuery(spellings)})`, likeContaining(word.folded)),
        ),
    ],
    sql` AND `,
  );
}

function productsMatching(tsQuery: SQL, codePattern: string | null): SQL {
  return sql`p.id IN (SELECT carsi_products_matching(${tsQuery}, ${codePattern}::text))`;
}

/** Every word, each in any of its spellings. */
function allWordsTsQuery(words: readonly WordAlternatives[]): SQL {
  return sql.join(
    words.map(({ spellings }) => sql`(${wordTsQuery(spellings)})`),
    sql` && `,
  );
}

/**
 * A word as a tsquery: its Turkish stem (`kutular` → kutu) or any whole word it begins (`kut` →
 * kutu…), since documents hold both forms (migration 0005). Spellings are checked by parseSearchText
 * or come from the vocabulary, so they hold no tsquery operators.
 */
function wordTsQuery(spellings: readonly string[]): SQL {
  return sql.join(
    spellings.map(
      (spelling) =>
        sql`to_tsquery('carsi_turkish', ${spelling}) || to_tsquery('carsi_simple', ${`${spelling}:*`})`,
    ),
    sql` || `,
  );
}

/** Relevance: names (A) count most, then SKUs and brand (B), then descriptions (C). */
export function relevanceScore(words: readonly WordAlternatives[]): SQL {
  return sql`ts_rank('{0.05, 0.2, 0.4, 1.0}', p.search_vector, ${allWordsTsQuery(words)})::float8`;
}

export function categoryCondition(categoryId: string): SQL {
  // The category and all below it: its descendants list it among their ancestors.
  return sql`p.id IN (
    SELECT pc.product_id FROM product_categories pc
     WHERE pc.category_id IN (
       SELECT c.id FROM categories c WHERE c.id = ${categoryId}::uuid OR c.ancestor_ids @> ARRAY[${categoryId}::uuid]))`;
}

export function brandCondition(brandIds: readonly string[]): SQL {
  return sql`p.brand_id = ANY(${sql.param(brandIds)}::uuid[])`;
}

/** A product's price range [min_price, max_price] meets the asked range (for one-variant products: its price is in it). */
export function priceCondition(min: string | null, max: string | null): SQL | null {
  const parts = [
    ...(min !== null ? [sql`p.max_price >= ${min}::numeric`] : []),
    ...(max !== null ? [sql`p.min_price <= ${max}::numeric`] : []),
  ];
  return parts.length > 0 ? sql.join(parts, sql` AND `) : null;
}

export function inStockCondition(inStock: boolean): SQL {
  return inStock ? sql`p.in_stock` : sql`NOT p.in_stock`;
}

/** Options: any of them (OR within an attribute); number values: any, within min and max. */
export function attributeCondition(filter: AttributeFilter): SQL {
  const id = filter.attribute.id;
  let value: SQL;
  if (filter.kind === 'options') value = sql`v.option_id = ANY(${sql.param(filter.optionIds)}::uuid[])`;
  else if (filter.kind === 'boolean') value = sql`v.value_boolean = ${filter.value}`;
  else {
    const parts = [
      ...(filter.values ? [sql`v.value_number = ANY(${sql.param(filter.values)}::numeric[])`] : []),
      ...(filter.min !== null ? [sql`v.value_number >= ${filter.min}::numeric`] : []),
      ...(filter.max !== null ? [sql`v.value_number <= ${filter.max}::numeric`] : []),
    ];
    value = sql.join(parts, sql` AND `);
  }
  return sql`p.id IN (SELECT v.product_id FROM product_attribute_values v WHERE v.attribute_id = ${id}::uuid AND ${value})`;
}

/** Conditions every facet shares: who sees what, the category, stock and the words. */
export function baseConditions(query: ProductSearchQuery, words: readonly WordAlternatives[]): SQL[] {
  return [
    visibilityCondition(query),
    ...(query.categoryId ? [categoryCondition(query.categoryId)] : []),
    ...(query.inStock !== null ? [inStockCondition(query.inStock)] : []),
    ...nonNull([textCondition(words)]),
  ];
}

/** Conditions some facet leaves out: brand, price, each attribute. */
export function facetedConditions(query: ProductSearchQuery): SQL[] {
  return [
    ...(query.brandIds.length > 0 ? [brandCondition(query.brandIds)] : []),
    ...nonNull([priceCondition(query.priceMin, query.priceMax)]),
    ...query.attributes.map(attributeCondition),
  ];
}

export function and(conditions: readonly SQL[]): SQL {
  return conditions.length > 0 ? sql.join([...conditions], sql` AND `) : sql`true`;
}

function nonNull<T>(values: (T | null)[]): T[] {
  return values.filter((value): value is T => value !== null);
}

interface SortSql {
  /** The sort key as text, for the cursor. */
  key: SQL;
  /** ORDER BY over the subquery `s`. */
  order: SQL;
  /** Rows after the cursor's (key, id), over `s`. */
  after(key: string | null, id: string): SQL;
}

/** Sort keys are exposed by the inner query as `s.created_at`, `s.sort_name`, `s.min_price`, `s.score`. */
export function sortSql(sort: ProductSort): SortSql {
  switch (sort) {
    case 'newest':
      return {
        key: sql`to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        order: sql`s.created_at DESC NULLS LAST, s.id DESC NULLS LAST`,
        after: (key, id) => sql`(s.created_at, s.id) < (${key}::timestamptz, ${id}::uuid)`,
      };
    case 'name':
    case '-name': {
      // Byte order of the folded name: the same on every server whatever its collation, and what
      // the keyset comparison below uses too.
      const direction = sort === 'name' ? sql`ASC` : sql`DESC`;
      const op = sort === 'name' ? sql`>` : sql`<`;
      return {
        key: sql`s.sort_name`,
        order: sql`s.sort_name COLLATE "C" ${direction}, s.id ${direction}`,
        after: (key, id) => sql`(s.sort_name COLLATE "C", s.id) ${op} (${key}::text, ${id}::uuid)`,
      };
    }
    case 'price':
    case '-price': {
      // By the lowest price; products without a price (no active variant) come last either way.
      const asc = sort === 'price';
      const direction = asc ? sql`ASC` : sql`DESC`;
      const op = asc ? sql`>` : sql`<`;
      return {
        key: sql`s.min_price::text`,
        order: sql`s.min_price ${direction} NULLS LAST, s.id ${direction}`,
        after: (key, id) =>
          key === null
            ? sql`(s.min_price IS NULL AND s.id ${op} ${id}::uuid)`
            : sql`(s.min_price IS NULL OR (s.min_price, s.id) ${op} (${key}::numeric, ${id}::uuid))`,
      };
    }
    case 'relevance':
      return {
        key: sql`s.score::text`,
        order: sql`s.score DESC, s.id ASC`,
        after: (key, id) =>
          sql`(s.score < ${key}::float8 OR (s.score = ${key}::float8 AND s.id > ${id}::uuid))`,
      };
  }
}
