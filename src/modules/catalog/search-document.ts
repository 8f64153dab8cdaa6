import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/tx.js';

/**
 * Recomputes what a product keeps about its own parts, in one statement, after any change to its
 * translations, variants, brand or categories:
 * - `search_vector`: names (weight A), SKUs, barcodes and brand (B), descriptions (C), each in the
 *   stemmed Turkish form and the whole-word form (see migration 0005), accents folded;
 * - `search_text`: unaccented lower-case names, SKUs and brand for trigram (typo) matching;
 * - `min_price` / `max_price` over active variants, `in_stock`, and `sort_name` in `sortLocale`.
 * Call it in the transaction that made the change, so listings never see a half-updated product.
 */
export async function refreshProductDerivedFields(
  tx: Tx,
  productIds: readonly string[],
  sortLocale: string,
): Promise<void> {
  if (productIds.length === 0) return;
  // `= ANY(array)` rather than a join with unnest(): the planner then uses the product_id indexes,
  // where an unnest of unknown length led it into nested loops over whole tables on bulk refreshes.
  const ids = sql.param(productIds);
  await tx.db.execute(sql`
    WITH names AS (
      SELECT t.product_id,
             string_agg(t.name, ' ' ORDER BY t.locale) AS names,
             string_agg(coalesce(t.description, ''), ' ' ORDER BY t.locale) AS descriptions,
             coalesce(max(t.name) FILTER (WHERE t.locale = ${sortLocale}), min(t.name)) AS sort_name
        FROM product_translations t
       WHERE t.product_id = ANY(${ids}::uuid[])
       GROUP BY t.product_id
    ),
    variants AS (
      SELECT v.product_id,
             string_agg(v.sku || ' ' || coalesce(v.barcode, ''), ' ' ORDER BY v.position) AS codes,
             min(v.base_price) FILTER (WHERE v.status = 'active') AS min_price,
             max(v.base_price) FILTER (WHERE v.status = 'active') AS max_price,
             bool_or(v.status = 'active' AND v.stock_quantity > 0) AS in_stock
        FROM product_variants v
       WHERE v.product_id = ANY(${ids}::uuid[]) AND v.deleted_at IS NULL
       GROUP BY v.product_id
    ),
    docs AS (
      SELECT p.id,
             coalesce(n.names, '') AS names,
             coalesce(n.descriptions, '') AS descriptions,
             coalesce(v.codes, '') || ' ' || coalesce(b.name, '') AS codes,
             n.sort_name, v.min_price, v.max_price, coalesce(v.in_stock, false) AS in_stock
        FROM products p
        LEFT JOIN names n ON n.product_id = p.id
        LEFT JOIN variants v ON v.product_id = p.id
        LEFT JOIN brands b ON b.id = p.brand_id
       WHERE p.id = ANY(${ids}::uuid[])
    )
    UPDATE products p SET
      search_vector =
        setweight(to_tsvector('carsi_turkish', d.names) || to_tsvector('carsi_simple', d.names), 'A') ||
        setweight(to_tsvector('carsi_simple', d.codes), 'B') ||
        setweight(to_tsvector('carsi_turkish', d.descriptions) || to_tsvector('carsi_simple', d.descriptions), 'C'),
      search_text = lower(unaccent(d.names || ' ' || d.codes)),
      sort_name = lower(unaccent(coalesce(d.sort_name, ''))),
      min_price = d.min_price,
      max_price = d.max_price,
      in_stock = d.in_stock,
      updated_at = now()
    FROM docs d
    WHERE p.id = d.id
  `);
}
