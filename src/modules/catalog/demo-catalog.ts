import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/tx.js';

/**
 * Sizes of the demo catalog. `small` is what `npm start` shows; `large` is the benchmark's data set
 * (10,000 products × 3 variants in 300 categories), big enough for query plans to matter.
 */
export const DEMO_CATALOG_SIZES = {
  small: { roots: 3, childrenPerRoot: 3, grandchildrenPerChild: 1, products: 48, brands: 6 },
  large: { roots: 10, childrenPerRoot: 4, grandchildrenPerChild: 6.25, products: 10_000, brands: 50 },
} as const;
export type DemoCatalogSize = keyof typeof DEMO_CATALOG_SIZES;

/** Demo rows carry this external-id prefix, so a second run sees them and does nothing. */
const DEMO_PREFIX = 'demo-';

/**
 * Fills the transaction's tenant with a packaging wholesaler's catalog, generated set-wise in SQL
 * (a row-by-row insert of the large size would take minutes). Returns the new products' ids (none
 * when the tenant already has the demo catalog); their search documents and prices are computed
 * afterwards with `refreshProductDerivedFields`, once the tables have statistics.
 */
export async function seedDemoCatalog(tx: Tx, size: DemoCatalogSize): Promise<string[]> {
  const existing = await tx.db.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM products WHERE external_id LIKE ${`${DEMO_PREFIX}%`}`,
  );
  if ((existing.rows[0]?.n ?? 0) > 0) return [];

  const shape = DEMO_CATALOG_SIZES[size];
  const tenantId = tx.ctx.tenantId;
  if (!tenantId) throw new Error('seedDemoCatalog needs a tenant');
  const run = (query: ReturnType<typeof sql>) => tx.db.execute(query);

  // Time-ordered ids like the application's UUIDv7, so id order follows creation order here too.
  await run(sql`
    CREATE OR REPLACE FUNCTION pg_temp.demo_uuid(seq bigint) RETURNS uuid LANGUAGE sql VOLATILE AS $$
      SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7' ||
              substr(md5(random()::text), 1, 3) || to_hex(8 + (seq % 4)::int) ||
              substr(md5(random()::text || seq::text), 1, 15))::uuid
    $$
  `);
  // Slugs of the generated Turkish names, transliterated as slugify() does for the small alphabet used.
  await run(sql`
    CREATE OR REPLACE FUNCTION pg_temp.demo_slug(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
      SELECT lower(translate(name, 'çğıİöşüÇĞÖŞÜ ', 'cgiiosucgosu-'))
    $$
  `);

  await run(sql`
    INSERT INTO brands (tenant_id, id, name, slug, external_id)
    SELECT ${tenantId}::uuid, pg_temp.demo_uuid(i), name, pg_temp.demo_slug(name), ${DEMO_PREFIX} || 'brand-' || i
      FROM (SELECT i, (ARRAY['Anadolu Ambalaj','Ege Karton','Marmara Paket','Toros Kağıt','Kapadokya Pack',
                             'Boğaziçi Kutu','Yeşil Döngü','Atlas Oluklu','Karadeniz Poşet','Trakya Film'])[1 + (i - 1) % 10]
                   || CASE WHEN i > 10 THEN ' ' || ((i - 1) / 10 + 1) ELSE '' END AS name
              FROM generate_series(1, ${shape.brands}) AS i) b
  `);

  // A three-level tree: roots, their children, and leaves under each child.
  const leavesPerChild = Math.floor(shape.grandchildrenPerChild);
  const extraLeaves = Math.round(
    (shape.grandchildrenPerChild - leavesPerChild) * shape.roots * shape.childrenPerRoot,
  );
  await run(sql`
    INSERT INTO categories (tenant_id, id, parent_id, ancestor_ids, position, external_id)
    SELECT ${tenantId}::uuid, pg_temp.demo_uuid(r), NULL, '{}', r, ${DEMO_PREFIX} || 'cat-' || r
      FROM generate_series(1, ${shape.roots}) AS r`);
  await run(sql`
    INSERT INTO categories (tenant_id, id, parent_id, ancestor_ids, position, external_id)
    SELECT ${tenantId}::uuid, pg_temp.demo_uuid(c), p.id, ARRAY[p.id], c, p.external_id || '-' || c
      FROM categories p CROSS JOIN generate_series(1, ${shape.childrenPerRoot}) AS c
     WHERE p.parent_id IS NULL AND p.external_id LIKE ${`${DEMO_PREFIX}cat-%`}`);
  await run(sql`
    INSERT INTO categories (tenant_id, id, parent_id, ancestor_ids, position, external_id)
    SELECT ${tenantId}::uuid, pg_temp.demo_uuid(g), p.id, p.ancestor_ids || p.id, g, p.external_id || '-' || g
      FROM (SELECT *, row_number() OVER (ORDER BY external_id) AS n FROM categories
             WHERE cardinality(ancestor_ids) = 1 AND external_id LIKE ${`${DEMO_PREFIX}cat-%`}) p
     CROSS JOIN generate_series(1, ${leavesPerChild + 1}) AS g
     WHERE g <= ${leavesPerChild} OR p.n <= ${extraLeaves}
  `);
  await run(sql`
    INSERT INTO category_translations (tenant_id, category_id, locale, name, slug)
    SELECT ${tenantId}::uuid, c.id, l.locale, l.word || ' ' || c.external_id_suffix,
           l.slug_word || '-' || replace(c.external_id_suffix, '.', '-')
      FROM (SELECT id, ancestor_ids, replace(substr(external_id, ${DEMO_PREFIX.length + 5}), '-', '.') AS external_id_suffix
              FROM categories WHERE external_id LIKE ${`${DEMO_PREFIX}cat-%`}) c
     CROSS JOIN LATERAL (VALUES
       ('tr', (ARRAY['Kutular','Koliler','Poşetler','Ambalaj Filmleri','Etiketler','Bantlar','Kağıtlar','Kaplar','Torbalar','Aksesuarlar'])[1 + (split_part(c.external_id_suffix, '.', 1)::int - 1) % 10],
              (ARRAY['kutular','koliler','posetler','ambalaj-filmleri','etiketler','bantlar','kagitlar','kaplar','torbalar','aksesuarlar'])[1 + (split_part(c.external_id_suffix, '.', 1)::int - 1) % 10]),
       ('en', (ARRAY['Boxes','Cartons','Bags','Wrapping Films','Labels','Tapes','Papers','Containers','Sacks','Accessories'])[1 + (split_part(c.external_id_suffix, '.', 1)::int - 1) % 10],
              (ARRAY['boxes','cartons','bags','wrapping-films','labels','tapes','papers','containers','sacks','accessories'])[1 + (split_part(c.external_id_suffix, '.', 1)::int - 1) % 10])
     ) AS l(locale, word, slug_word)
  `);

  // Filterable attributes on every root (so every product has them through its ancestors).
  await run(sql`
    INSERT INTO attributes (tenant_id, id, code, type, names, unit, filterable, position) VALUES
      (${tenantId}::uuid, pg_temp.demo_uuid(1), 'malzeme', 'enum', '{"tr":"Malzeme","en":"Material"}', NULL, true, 1),
      (${tenantId}::uuid, pg_temp.demo_uuid(2), 'renk', 'enum', '{"tr":"Renk","en":"Colour"}', NULL, true, 2),
      (${tenantId}::uuid, pg_temp.demo_uuid(3), 'kalinlik', 'number', '{"tr":"Kalınlık","en":"Thickness"}', 'mm', true, 3),
      (${tenantId}::uuid, pg_temp.demo_uuid(4), 'geri_donusumlu', 'boolean', '{"tr":"Geri dönüşümlü","en":"Recycled"}', NULL, true, 4)
    ON CONFLICT DO NOTHING`);
  await run(sql`
    INSERT INTO attribute_options (tenant_id, id, attribute_id, code, labels, position)
    SELECT ${tenantId}::uuid, pg_temp.demo_uuid(o.n), a.id, o.code, o.labels::jsonb, o.n
      FROM attributes a
      JOIN (VALUES
        ('malzeme', 1, 'kraft', '{"tr":"Kraft","en":"Kraft"}'),
        ('malzeme', 2, 'oluklu', '{"tr":"Oluklu mukavva","en":"Corrugated board"}'),
        ('malzeme', 3, 'karton', '{"tr":"Karton","en":"Cardboard"}'),
        ('malzeme', 4, 'polietilen', '{"tr":"Polietilen","en":"Polyethylene"}'),
        ('malzeme', 5, 'kagit', '{"tr":"Kağıt","en":"Paper"}'),
        ('malzeme', 6, 'pet', '{"tr":"PET","en":"PET"}'),
        ('renk', 1, 'kahverengi', '{"tr":"Kahverengi","en":"Brown"}'),
        ('renk', 2, 'beyaz', '{"tr":"Beyaz","en":"White"}'),
        ('renk', 3, 'siyah', '{"tr":"Siyah","en":"Black"}'),
        ('renk', 4, 'seffaf', '{"tr":"Şeffaf","en":"Clear"}'),
        ('renk', 5, 'kirmizi', '{"tr":"Kırmızı","en":"Red"}'),
        ('renk', 6, 'mavi', '{"tr":"Mavi","en":"Blue"}'),
        ('renk', 7, 'yesil', '{"tr":"Yeşil","en":"Green"}'),
        ('renk', 8, 'sari', '{"tr":"Sarı","en":"Yellow"}')
      ) AS o(attribute, n, code, labels) ON o.attribute = a.code
    ON CONFLICT DO NOTHING`);
  await run(sql`
    INSERT INTO category_attributes (tenant_id, category_id, attribute_id, required, position)
    SELECT ${tenantId}::uuid, c.id, a.id, false, a.position
      FROM categories c CROSS JOIN attributes a
     WHERE c.parent_id IS NULL AND c.external_id LIKE ${`${DEMO_PREFIX}cat-%`}
       AND a.code IN ('malzeme', 'renk', 'kalinlik', 'geri_donusumlu')
    ON CONFLICT DO NOTHING
  `);

  // Products: a noun and a material/size from word lists, numbered so names and slugs are unique.
  await run(sql`
    CREATE TEMP TABLE demo_products ON COMMIT DROP AS
    SELECT i, pg_temp.demo_uuid(i) AS id,
           (ARRAY['Kutu','Koli','Poşet','Streç Film','Etiket','Koli Bandı','Kraft Kağıt','Saklama Kabı','Çanta','Zarf'])[1 + i % 10] AS noun_tr,
           (ARRAY['Box','Carton','Bag','Stretch Film','Label','Packing Tape','Kraft Paper','Storage Container','Tote Bag','Envelope'])[1 + i % 10] AS noun_en,
           (ARRAY['Kraft','Oluklu','Beyaz','Şeffaf','Ölçülü','Baskılı','Ekonomik','Dayanıklı','İstanbul','Pratik'])[1 + (i / 10) % 10] AS adjective_tr,
           (ARRAY['Kraft','Corrugated','White','Clear','Sized','Printed','Economy','Heavy-duty','Istanbul','Handy'])[1 + (i / 10) % 10] AS adjective_en,
           (10 + (i * 7) % 50) || 'x' || (10 + (i * 13) % 60) AS dimensions,
           CASE WHEN i % 50 = 0 THEN 'draft' WHEN i % 97 = 0 THEN 'archived' ELSE 'active' END AS status
      FROM generate_series(1, ${shape.products}) AS i`);
  await run(sql`
    INSERT INTO products (tenant_id, id, status, brand_id, tax_rate, unit, min_order_quantity, order_multiple, external_id, created_at)
    SELECT ${tenantId}::uuid, p.id, p.status, b.id, CASE WHEN p.i % 10 = 6 THEN 10 ELSE 20 END,
           CASE WHEN p.i % 10 IN (1, 3) THEN 'koli' ELSE 'adet' END,
           CASE WHEN p.i % 10 IN (1, 3) THEN 1 ELSE 50 END, CASE WHEN p.i % 10 IN (1, 3) THEN 1 ELSE 50 END,
           ${DEMO_PREFIX} || 'product-' || p.i, now() - make_interval(mins => ${shape.products} - p.i)
      FROM demo_products p
      JOIN (SELECT id, row_number() OVER (ORDER BY external_id) - 1 AS n FROM brands
             WHERE external_id LIKE ${`${DEMO_PREFIX}brand-%`}) b ON b.n = p.i % ${shape.brands}`);
  await run(sql`
    INSERT INTO product_translations (tenant_id, product_id, locale, name, slug, description)
    SELECT ${tenantId}::uuid, p.id, 'tr', p.adjective_tr || ' ' || p.noun_tr || ' ' || p.dimensions || ' No ' || p.i,
           pg_temp.demo_slug(p.adjective_tr || '-' || p.noun_tr) || '-' || p.dimensions || '-' || p.i,
           p.dimensions || ' cm ' || lower(p.noun_tr) || '; depo, kargo ve mağaza için. Toptan fiyatına bayilere.'
      FROM demo_products p
    UNION ALL
    SELECT ${tenantId}::uuid, p.id, 'en', p.adjective_en || ' ' || p.noun_en || ' ' || p.dimensions || ' No ' || p.i,
           lower(replace(p.adjective_en || '-' || p.noun_en, ' ', '-')) || '-' || p.dimensions || '-' || p.i,
           p.dimensions || ' cm ' || lower(p.noun_en) || ' for storage, shipping and shops.'
      FROM demo_products p`);
  await run(sql`
    INSERT INTO product_variants (tenant_id, id, product_id, sku, barcode, option_values, weight_grams, base_price, currency, status, stock_quantity, position)
    SELECT ${tenantId}::uuid, pg_temp.demo_uuid(p.i * 3 + v.n), p.id,
           upper(left(pg_temp.demo_slug(p.noun_tr), 3)) || '-' || lpad(p.i::text, 5, '0') || '-' || v.size,
           NULL, jsonb_build_object('boyut', v.size), 50 * v.n * (1 + p.i % 5),
           round((2 + (p.i % 47) * 1.75 + v.n * 0.9)::numeric, 2), 'TRY',
           CASE WHEN p.i % 23 = 0 AND v.n = 3 THEN 'inactive' ELSE 'active' END,
           CASE WHEN p.i % 11 = 0 THEN 0 ELSE (p.i * v.n) % 500 END, v.n
      FROM demo_products p
     CROSS JOIN (VALUES (1, 'S'), (2, 'M'), (3, 'L')) AS v(n, size)
  `);
  await run(sql`
    INSERT INTO product_categories (tenant_id, product_id, category_id, position)
    SELECT ${tenantId}::uuid, p.id, leaf.id, 0
      FROM demo_products p
      JOIN (SELECT id, row_number() OVER (ORDER BY external_id) - 1 AS n, count(*) OVER () AS total
              FROM categories c
             WHERE c.external_id LIKE ${`${DEMO_PREFIX}cat-%`}
               AND NOT EXISTS (SELECT 1 FROM categories k WHERE k.parent_id = c.id)) leaf
        ON leaf.n = p.i % leaf.total`);
  await run(sql`
    INSERT INTO product_attribute_values (tenant_id, product_id, attribute_id, option_id, value_number, value_boolean)
    SELECT ${tenantId}::uuid, p.id, a.id,
           CASE a.code WHEN 'malzeme' THEN (SELECT o.id FROM attribute_options o WHERE o.attribute_id = a.id AND o.position = 1 + p.i % 6)
                       WHEN 'renk' THEN (SELECT o.id FROM attribute_options o WHERE o.attribute_id = a.id AND o.position = 1 + (p.i / 7) % 8) END,
           CASE WHEN a.code = 'kalinlik' THEN (1 + p.i % 8) * 0.5 END,
           CASE WHEN a.code = 'geri_donusumlu' THEN p.i % 3 = 0 END
      FROM demo_products p CROSS JOIN attributes a
     WHERE a.code IN ('malzeme', 'renk', 'kalinlik', 'geri_donusumlu')
  `);

  const ids = await tx.db.execute<{ id: string }>(sql`SELECT id FROM demo_products ORDER BY i`);
  return ids.rows.map((row) => row.id);
}
