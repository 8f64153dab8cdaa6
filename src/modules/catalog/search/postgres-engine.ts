import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/tx.js';
import { type FileRow, imageUrlsOf } from '../../files/index.js';
import type { ProductStatus } from '../schema.js';
import { TenantCache } from './cache.js';
import { encodeListingCursor } from './cursor.js';
import type {
  ProductListingItem,
  ProductSearchEngine,
  ProductSearchQuery,
  ProductSearchResult,
  SearchMode,
} from './engine.js';
import { countFacets } from './facets.js';
import { formatDecimal, formatMoney } from './format.js';
import {
  and,
  baseConditions,
  facetedConditions,
  limitLiteral,
  relevanceScore,
  query as runQuery,
  sortSql,
  visibilityCondition,
  type WordAlternatives,
} from './postgres-sql.js';
import { loadVocabulary, MAX_CORRECTED_WORDS, type Vocabulary } from './vocabulary.js';

/** Typo corrections use a vocabulary read at most once a minute per tenant (and after catalog changes). */
const VOCABULARY_TTL_MS = 60_000;

interface ItemRow {
  sort_key: string | null;
  id: string;
  name: string | null;
  slug: string | null;
  status: ProductStatus;
  brand_id: string | null;
  brand_name: string | null;
  brand_slug: string | null;
  min_price: string | null;
  max_price: string | null;
  currency: string | null;
  in_stock: boolean;
  unit: string;
  min_order_quantity: string;
  order_multiple: string;
  image_key: string | null;
  image_variants: FileRow['variants'] | null;
  variant_count: number;
}

/**
 * The default engine: listings and searches straight from the catalog tables (full-text search with
 * the Turkish and whole-word configurations, substring matching for codes, typo correction against
 * the tenant's vocabulary). Always current: it reads what the last commit wrote.
 */
export class PostgresProductSearch implements ProductSearchEngine {
  readonly name = 'postgres';
  private readonly vocabularies = new TenantCache<Vocabulary>(VOCABULARY_TTL_MS, 200);

  async search(tx: Tx, query: ProductSearchQuery): Promise<ProductSearchResult> {
    const exact = query.words.map((word) => ({ word, spellings: [word.text] }));
    let words: WordAlternatives[] = exact;
    let mode: SearchMode | null = query.words.length > 0 ? 'exact' : null;
    if (query.cursor?.approximate) {
      words = (await this.corrected(tx, query)) ?? exact;
      mode = 'approximate';
    }
    let rows = await runQuery<ItemRow>(tx, pageStatement(query, words), isFixedShape(query));
    // Nothing matched the words as typed: search again with close spellings from the vocabulary.
    if (mode === 'exact' && rows.length === 0 && !query.cursor) {
      const corrected = await this.corrected(tx, query);
      if (corrected) {
        const approximateRows = await runQuery<ItemRow>(tx, pageStatement(query, corrected));
        if (approximateRows.length > 0) {
          words = corrected;
          rows = approximateRows;
          mode = 'approximate';
        }
      }
    }
    const counted = query.facets ? await countFacets(tx, query, words, query.facetAttributes) : null;
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toItem),
      nextCursor:
        rows.length > query.limit && last
          ? encodeListingCursor({
              sort: query.sort,
              key: last.sort_key,
              id: last.id,
              approximate: mode === 'approximate',
            })
          : null,
      total: counted?.total ?? null,
      facets: counted?.facets ?? null,
      searchMode: mode,
    };
  }

  productsChanged(tenantId: string): void {
    this.vocabularies.invalidate(tenantId);
  }

  /** Each word with its corrections added; null when no word has any (nothing else to try). */
  private async corrected(tx: Tx, query: ProductSearchQuery): Promise<WordAlternatives[] | null> {
    const vocabulary = await this.vocabularies.get(query.tenantId, '', () => loadVocabulary(tx));
    let attempts = 0;
    let corrected = false;
    const words = query.words.map((word) => {
      if (!vocabulary.mayCorrect(word) || attempts++ >= MAX_CORRECTED_WORDS)
        return { word, spellings: [word.text] };
      const corrections = vocabulary.corrections(word);
      if (corrections.length > 0) corrected = true;
      return { word, spellings: [word.text, ...corrections] };
    });
    return corrected ? words : null;
  }
}

/**
 * Plain listings (no words, no attribute filters) have a handful of shapes and are the most requested
 * pages of a storefront: they run as prepared statements, planned once per connection.
 */
function isFixedShape(query: ProductSearchQuery): boolean {
  return query.words.length === 0 && query.attributes.length === 0;
}

/**
 * One page (limit + 1 rows, the extra one only telling that a next page exists) in one statement: the
 * ids in order first, kept apart (MATERIALIZED) so names, brand, variant counts and the image are
 * fetched for those rows only.
 */
function pageStatement(query: ProductSearchQuery, words: readonly WordAlternatives[]): SQL {
  const order = sortSql(query.sort);
  const score = query.sort === 'relevance' ? relevanceScore(words) : sql`NULL::float8`;
  const conditions = [...baseConditions(query, words), ...facetedConditions(query)];
  const after = query.cursor ? sql`WHERE ${order.after(query.cursor.key, query.cursor.id)}` : sql``;
  return sql`
    WITH page AS MATERIALIZED (
      SELECT s.id, ${order.key} AS sort_key, row_number() OVER (ORDER BY ${order.order}) AS ord
        FROM (SELECT p.id, p.created_at, p.sort_name, p.min_price, ${score} AS score
                FROM products p
               WHERE ${and(conditions)}) s
        ${after}
       ORDER BY ${order.order}
       LIMIT ${limitLiteral(query.limit + 1)}
    )
    ${itemsSelect(query)}`;
}

/** Listing items for products in a given order (an external engine's hits), visible ones only. */
export async function hydrateListingItems(
  tx: Tx,
  ids: readonly string[],
  query: ProductSearchQuery,
): Promise<ProductListingItem[]> {
  if (ids.length === 0) return [];
  const rows = await runQuery<ItemRow>(
    tx,
    sql`
    WITH page AS (
      SELECT u.id, NULL::text AS sort_key, u.ord FROM unnest(${sql.param(ids)}::uuid[]) WITH ORDINALITY AS u(id, ord)
    )
    ${itemsSelect(query, visibilityCondition(query))}`,
  );
  return rows.map(toItem);
}

function itemsSelect(query: ProductSearchQuery, condition: SQL = sql`true`): SQL {
  const variantStatus = query.includeInactiveVariants ? sql`` : sql`AND v.status = 'active'`;
  return sql`
    SELECT page.sort_key, p.id, tr.name, tr.slug, p.status,
           b.id AS brand_id, b.name AS brand_name, b.slug AS brand_slug,
           p.min_price::text AS min_price, p.max_price::text AS max_price, vc.currency, p.in_stock, p.unit,
           p.min_order_quantity::text AS min_order_quantity, p.order_multiple::text AS order_multiple,
           img.storage_key AS image_key, img.variants AS image_variants, vc.variant_count
      FROM page
      JOIN products p ON p.id = page.id
      LEFT JOIN brands b ON b.id = p.brand_id
      LEFT JOIN LATERAL (
        SELECT t.name, t.slug FROM product_translations t
         WHERE t.product_id = p.id
         ORDER BY array_position(${sql.param(query.locales)}::text[], t.locale) NULLS LAST, t.locale
         LIMIT 1
      ) tr ON true
      LEFT JOIN LATERAL (
        SELECT count(*)::int AS variant_count, min(v.currency) FILTER (WHERE v.status = 'active') AS currency
          FROM product_variants v
         WHERE v.product_id = p.id AND v.deleted_at IS NULL ${variantStatus}
      ) vc ON true
      LEFT JOIN LATERAL (
        -- The product's own first image, else its first variant image; only files anyone may fetch.
        SELECT f.storage_key, f.variants FROM product_images i JOIN files f ON f.id = i.file_id
         WHERE i.product_id = p.id AND f.visibility = 'public' AND f.status <> 'failed' AND f.deleted_at IS NULL
         ORDER BY i.variant_id IS NOT NULL, i.position, i.id
         LIMIT 1
      ) img ON true
     WHERE ${condition}
     ORDER BY page.ord`;
}

function toItem(row: ItemRow): ProductListingItem {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    brand: row.brand_id ? { id: row.brand_id, name: row.brand_name!, slug: row.brand_slug! } : null,
    minPrice: row.min_price === null ? null : formatMoney(row.min_price),
    maxPrice: row.max_price === null ? null : formatMoney(row.max_price),
    currency: row.currency,
    inStock: row.in_stock,
    unit: row.unit,
    minOrderQuantity: formatDecimal(row.min_order_quantity),
    orderMultiple: formatDecimal(row.order_multiple),
    image: row.image_key
      ? imageUrlsOf({ storageKey: row.image_key, variants: row.image_variants ?? [] })
      : null,
    variantCount: row.variant_count,
  };
}
