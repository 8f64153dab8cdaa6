import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/tx.js';
import type { AttributeFacet, FilterableAttribute, ProductFacets, ProductSearchQuery } from './engine.js';
import { formatDecimal, formatMoney, localizedText } from './format.js';
import {
  and,
  attributeCondition,
  baseConditions,
  brandCondition,
  priceCondition,
  query as runQuery,
  type WordAlternatives,
} from './postgres-sql.js';

interface FacetRow {
  facet: 'total' | 'brand' | 'option' | 'boolean' | 'number' | 'price_range' | 'price_bucket';
  key: string | null;
  value: string | null;
  name: string | null;
  slug: string | null;
  count: number;
  min: string | null;
  max: string | null;
}

/**
 * Facet counts and the total in one statement. The products matching the conditions every facet
 * shares (visibility, category, stock, words) are read once into `base`, each with a flag per
 * facet-able filter it passes (brand, price, each attribute). A facet then counts the base rows that
 * pass every flag but its own: choosing a brand narrows the attribute and price counts, while the
 * brand counts still show what each other brand would add.
 */
export async function countFacets(
  tx: Tx,
  query: ProductSearchQuery,
  words: readonly WordAlternatives[],
  facetAttributes: readonly FilterableAttribute[],
): Promise<{ total: number; facets: ProductFacets }> {
  const flags: { column: string; condition: SQL }[] = [];
  const brandOk =
    query.brandIds.length > 0 ? flag(flags, 'ok_brand', brandCondition(query.brandIds)) : sql`true`;
  const price = priceCondition(query.priceMin, query.priceMax);
  const priceOk = price ? flag(flags, 'ok_price', price) : sql`true`;
  const attributeOk = query.attributes.map((filter, i) => ({
    attributeId: filter.attribute.id,
    ok: flag(flags, `ok_attr_${i}`, attributeCondition(filter)),
  }));
  const allAttributesOk = and(attributeOk.map((a) => a.ok));
  // An attribute's own filter does not narrow its own values.
  const otherAttributesOk = and(
    attributeOk.map((a) => sql`(v.attribute_id = ${a.attributeId}::uuid OR ${a.ok})`),
  );
  const flagColumns = flags.map((f) => sql`, (${f.condition}) AS ${sql.identifier(f.column)}`);
  // Counted: options of attributes that have them, booleans, and the range of numbers.
  const countedAttributeIds = facetAttributes
    .filter((a) => a.options.length > 0 || a.type === 'boolean' || a.type === 'number')
    .map((a) => a.id);

  const rows = await runQuery<FacetRow>(
    tx,
    sql`
    WITH base AS MATERIALIZED (
      SELECT p.id, p.brand_id, p.min_price, p.max_price ${sql.join(flagColumns, sql``)}
        FROM products p
       WHERE ${and(baseConditions(query, words))}
    ),
    priced AS MATERIALIZED (
      SELECT min_price, max_price FROM base
       WHERE min_price IS NOT NULL AND ${brandOk} AND ${allAttributesOk}
    ),
    -- Bucket edges: the quintiles of the lowest prices rounded to two significant digits (1234.5 → 1200),
    -- strictly inside the price range, without repeats.
    edges AS (
      SELECT stats.lo, stats.hi,
             coalesce((SELECT array_agg(DISTINCT e ORDER BY e)
                         FROM unnest(stats.quantiles) AS q,
                              LATERAL (SELECT round(q, 1 - floor(log(q))::int) AS e WHERE q > 0) rounded
                        WHERE e > stats.lo AND e < stats.hi), '{}') AS e
        FROM (SELECT min(min_price) AS lo, max(max_price) AS hi,
                     percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY min_price) AS quantiles
                FROM priced) stats
    )
    SELECT 'total' AS facet, NULL AS key, NULL AS value, NULL AS name, NULL AS slug, count(*)::int AS count,
           NULL AS min, NULL AS max
      FROM base WHERE ${brandOk} AND ${priceOk} AND ${allAttributesOk}
    UNION ALL
    SELECT 'brand', b.id::text, NULL, b.name, b.slug, count(base.id)::int, NULL, NULL
      FROM brands b LEFT JOIN base ON base.brand_id = b.id AND ${priceOk} AND ${allAttributesOk}
     GROUP BY b.id
    -- A chosen brand stays listed even when the other filters leave it no products, so a storefront
    -- can still show it ticked (and let it be unticked).
    HAVING count(base.id) > 0 OR b.id = ANY(${sql.param(query.brandIds)}::uuid[])
    UNION ALL
    -- Attribute values of the base products that pass every filter but their own attribute's, in one
    -- read: a value row holds an option, a boolean or a number, as its attribute's type says.
    SELECT CASE WHEN option_id IS NOT NULL THEN 'option' WHEN value_boolean IS NOT NULL THEN 'boolean' ELSE 'number' END,
           attribute_id::text, coalesce(option_id::text, value_boolean::text), NULL, NULL, count(*)::int,
           min(value_number)::text, max(value_number)::text
      FROM (
      SELECT v.attribute_id, v.option_id, v.value_boolean, v.value_number
        FROM product_attribute_values v JOIN base ON base.id = v.product_id
       WHERE v.attribute_id = ANY(${sql.param(countedAttributeIds)}::uuid[])
         AND (v.option_id IS NOT NULL OR v.value_boolean IS NOT NULL OR v.value_number IS NOT NULL)
         AND ${brandOk} AND ${priceOk} AND ${otherAttributesOk}) counted
     GROUP BY attribute_id, option_id, value_boolean
    UNION ALL
    SELECT 'price_range', NULL, NULL, NULL, NULL, 0, lo::text, hi::text FROM edges
    UNION ALL
    -- Up to five buckets between the edges, counted in one pass with the filter's own test (a
    -- product's price range meets the bucket), so a bucket's count is what filtering by it returns.
    SELECT 'price_bucket', NULL, bucket::text, NULL, NULL, count, (edges.e)[bucket - 1]::text, (edges.e)[bucket]::text
      FROM edges, LATERAL (
        SELECT count(*) FILTER (WHERE min_price <= e[1]),
               count(*) FILTER (WHERE max_price >= e[1] AND (e[2] IS NULL OR min_price <= e[2])),
               count(*) FILTER (WHERE max_price >= e[2] AND (e[3] IS NULL OR min_price <= e[3])),
               count(*) FILTER (WHERE max_price >= e[3] AND (e[4] IS NULL OR min_price <= e[4])),
               count(*) FILTER (WHERE max_price >= e[4])
          FROM priced
      ) counted(b1, b2, b3, b4, b5),
      LATERAL unnest(ARRAY[b1, b2, b3, b4, b5]::int[]) WITH ORDINALITY AS bucket_counts(count, bucket)
     WHERE bucket <= cardinality(edges.e) + 1 AND cardinality(edges.e) > 0`,
  );
  return shapeFacets(rows, query, facetAttributes);
}

function flag(flags: { column: string; condition: SQL }[], column: string, condition: SQL): SQL {
  flags.push({ column, condition });
  return sql`base.${sql.identifier(column)}`;
}

function shapeFacets(
  rows: FacetRow[],
  query: ProductSearchQuery,
  facetAttributes: readonly FilterableAttribute[],
): { total: number; facets: ProductFacets } {
  let total = 0;
  const brands: ProductFacets['brands'] = [];
  const optionCounts = new Map<string, number>();
  const numberRanges = new Map<string, { min: string; max: string; count: number }>();
  const price: ProductFacets['price'] = { min: null, max: null, buckets: [] };
  for (const row of rows) {
    switch (row.facet) {
      case 'total':
        total = row.count;
        break;
      case 'brand':
        brands.push({ id: row.key!, name: row.name!, slug: row.slug!, count: row.count });
        break;
      case 'option':
      case 'boolean':
        optionCounts.set(`${row.key}:${row.value}`, row.count);
        break;
      case 'number':
        numberRanges.set(row.key!, {
          min: formatDecimal(row.min!),
          max: formatDecimal(row.max!),
          count: row.count,
        });
        break;
      case 'price_range':
        price.min = row.min === null ? null : formatMoney(row.min);
        price.max = row.max === null ? null : formatMoney(row.max);
        break;
      case 'price_bucket':
        price.buckets.push({
          min: row.min === null ? null : formatMoney(row.min),
          max: row.max === null ? null : formatMoney(row.max),
          count: row.count,
        });
        break;
    }
  }
  // One bucket says nothing a shopper could choose between.
  if (price.buckets.length < 2) price.buckets = [];
  price.buckets.sort((a, b) => (a.min === null ? -1 : b.min === null ? 1 : Number(a.min) - Number(b.min)));

  brands.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, 'tr'));

  // Chosen options stay listed with a zero count too, like chosen brands.
  const chosen = new Set(
    query.attributes.flatMap((f) =>
      f.kind === 'options'
        ? f.optionIds.map((id) => `${f.attribute.id}:${id}`)
        : f.kind === 'boolean'
          ? [`${f.attribute.id}:${f.value}`]
          : [],
    ),
  );
  const attributes: AttributeFacet[] = [];
  for (const attribute of facetAttributes) {
    const values =
      attribute.type === 'boolean'
        ? ['true', 'false'].map((value) => ({ value, label: null, id: value }))
        : attribute.options.map((o) => ({
            value: o.code,
            label: localizedText(o.labels, query.locales) ?? o.code,
            id: o.id,
          }));
    const counted = values
      .map(({ value, label, id }) => ({
        value,
        label,
        id,
        count: optionCounts.get(`${attribute.id}:${id}`) ?? 0,
      }))
      .filter((v) => v.count > 0 || chosen.has(`${attribute.id}:${v.id}`))
      .map(({ value, label, count }) => ({ value, label, count }));
    const range = attribute.type === 'number' ? (numberRanges.get(attribute.id) ?? null) : null;
    if (counted.length === 0 && !range) continue;
    attributes.push({
      code: attribute.code,
      name: localizedText(attribute.names, query.locales) ?? attribute.code,
      type: attribute.type,
      unit: attribute.unit,
      values: counted,
      range,
    });
  }
  return { total, facets: { brands, attributes, price } };
}
