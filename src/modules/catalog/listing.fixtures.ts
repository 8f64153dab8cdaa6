import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { type Tx, withTx } from '../../db/tx.js';
import { type Runtime, systemContext } from '../../kernel/context.js';
import { files } from '../files/index.js';
import { rebuildProductPages } from './product-pages.js';
import {
  type AttributeType,
  attributeOptions,
  attributes,
  brands,
  categories,
  categoryTranslations,
  type LocalizedText,
  type ProductStatus,
  productAttributeValues,
  productCategories,
  productImages,
  products,
  productTranslations,
  productVariants,
  type VariantStatus,
} from './schema.js';
import { productListingOf } from './search/listing.js';
import { refreshProductDerivedFields } from './search-document.js';

/*
 * Catalog data for listing and search tests and measurements, written straight into the catalog
 * tables (as the management API would leave them) and finished with refreshProductDerivedFields and
 * rebuildProductPages, so listings and pages are tested against exactly what they read in production.
 */

export interface VariantFixture {
  sku?: string;
  barcode?: string;
  price: string;
  stock?: string;
  status?: VariantStatus;
  currency?: string;
}

/** Attribute values by attribute code: option codes for enums, a number, or a boolean. */
export type AttributeValuesFixture = Record<string, string | string[] | number | boolean>;

export interface ProductFixture {
  /** A plain string is the Turkish name. */
  name: string | LocalizedText;
  description?: string | LocalizedText;
  /** Per locale; made from the name when missing. */
  slug?: string | LocalizedText;
  status?: ProductStatus;
  brandId?: string | null;
  categoryIds?: string[];
  /** One active variant priced 100 with 10 in stock when omitted. */
  variants?: VariantFixture[];
  attributes?: AttributeValuesFixture;
  /** Images in order; `private` makes a file the public listing must not show. */
  images?: { visibility?: 'public' | 'private'; resized?: boolean; variantOnly?: boolean }[];
  unit?: string;
  minOrderQuantity?: string;
  orderMultiple?: string;
  createdAt?: Date;
  deleted?: boolean;
}

export interface AttributeFixture {
  code: string;
  type: AttributeType;
  filterable?: boolean;
  names?: LocalizedText;
  unit?: string;
  /** Option codes (labels made from them) or full options, for enum and multi-enum attributes. */
  options?: (string | { code: string; labels: LocalizedText })[];
}

export interface CreatedAttribute {
  id: string;
  code: string;
  type: AttributeType;
  /** Option id by option code. */
  options: Record<string, string>;
}

/** Builds catalog rows for one tenant; each call is one committed transaction. */
export class CatalogFixtures {
  private readonly attributesByCode = new Map<string, CreatedAttribute>();
  private sequence = 0;

  constructor(
    private readonly runtime: Runtime,
    readonly tenantId: string,
    private readonly sortLocale = 'tr',
  ) {}

  /** One committed write; listings of this process see it at once, as after the management API's writes. */
  private async run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await withTx(systemContext(this.runtime, this.tenantId), fn);
    productListingOf(this.runtime).catalogChanged(this.tenantId);
    return result;
  }

  async brand(name: string, slug = slugify(name)): Promise<{ id: string; name: string; slug: string }> {
    const id = uuidv7();
    await this.run((tx) => tx.db.insert(brands).values({ tenantId: this.tenantId, id, name, slug }));
    return { id, name, slug };
  }

  /** A category under `parentId` (its ancestors are copied from the parent, as the tree keeps them). */
  async category(name: string, parentId: string | null = null): Promise<string> {
    const id = uuidv7();
    await this.run(async (tx) => {
      let ancestorIds: string[] = [];
      if (parentId) {
        const [parent] = await tx.db
          .select({ ancestorIds: categories.ancestorIds })
          .from(categories)
          .where(sql`${categories.id} = ${parentId}`);
        if (!parent) throw new Error(`no category ${parentId}`);
        ancestorIds = [...parent.ancestorIds, parentId];
      }
      await tx.db.insert(categories).values({ tenantId: this.tenantId, id, parentId, ancestorIds });
      await tx.db.insert(categoryTranslations).values({
        tenantId: this.tenantId,
        categoryId: id,
        locale: 'tr',
        name,
        slug: `${slugify(name)}-${++this.sequence}`,
      });
    });
    return id;
  }

  async attribute(input: AttributeFixture): Promise<CreatedAttribute> {
    const created: CreatedAttribute = { id: uuidv7(), code: input.code, type: input.type, options: {} };
    await this.run(async (tx) => {
      await tx.db.insert(attributes).values({
        tenantId: this.tenantId,
        id: created.id,
        code: input.code,
        type: input.type,
        names: input.names ?? { tr: input.code },
        unit: input.unit ?? null,
        filterable: input.filterable ?? true,
        // Shown in the order they were made.
        position: this.attributesByCode.size,
      });
      const options = (input.options ?? []).map((option, position) => {
        const { code, labels } =
          typeof option === 'string' ? { code: option, labels: { tr: option } } : option;
        created.options[code] = uuidv7();
        return {
          tenantId: this.tenantId,
          id: created.options[code],
          attributeId: created.id,
          code,
          labels,
          position,
        };
      });
      if (options.length > 0) await tx.db.insert(attributeOptions).values(options);
    });
    this.attributesByCode.set(input.code, created);
    return created;
  }

  async product(input: ProductFixture): Promise<string> {
    const id = uuidv7();
    const n = ++this.sequence;
    const names = localized(input.name);
    const descriptions = input.description === undefined ? {} : localized(input.description);
    const slugs = input.slug === undefined ? {} : localized(input.slug);
    await this.run(async (tx) => {
      // Without a given time the database's now() is kept, with its microseconds.
      const at = input.createdAt ? { createdAt: input.createdAt, updatedAt: input.createdAt } : {};
      await tx.db.insert(products).values({
        tenantId: this.tenantId,
        id,
        status: input.status ?? 'active',
        brandId: input.brandId ?? null,
        unit: input.unit ?? 'adet',
        minOrderQuantity: input.minOrderQuantity ?? '1',
        orderMultiple: input.orderMultiple ?? '1',
        ...at,
        deletedAt: input.deleted ? new Date() : null,
      });
      await tx.db.insert(productTranslations).values(
        Object.entries(names).map(([locale, name]) => ({
          tenantId: this.tenantId,
          productId: id,
          locale,
          name,
          slug: slugs[locale] ?? `${slugify(name)}-${n}`,
          description: descriptions[locale] ?? null,
        })),
      );
      const variants = input.variants ?? [{ price: '100.00' }];
      const variantIds: string[] = [];
      await tx.db.insert(productVariants).values(
        variants.map((variant, position) => {
          const variantId = uuidv7();
          variantIds.push(variantId);
          return {
            tenantId: this.tenantId,
            id: variantId,
            productId: id,
            sku: variant.sku ?? `FX-${n}-${position + 1}`,
            barcode: variant.barcode ?? null,
            basePrice: variant.price,
            currency: variant.currency ?? 'TRY',
            status: variant.status ?? 'active',
            stockQuantity: variant.stock ?? '10',
            position,
            deletedAt: input.deleted ? new Date() : null,
          };
        }),
      );
      if (input.categoryIds?.length) {
        await tx.db
          .insert(productCategories)
          .values(
            input.categoryIds.map((categoryId) => ({ tenantId: this.tenantId, productId: id, categoryId })),
          );
      }
      const values = Object.entries(input.attributes ?? {}).flatMap(([code, value]) =>
        this.attributeValueRows(id, code, value),
      );
      if (values.length > 0) await tx.db.insert(productAttributeValues).values(values);
      for (const [position, image] of (input.images ?? []).entries()) {
        const fileId = uuidv7();
        const key = `${this.tenantId}/${fileId}.jpg`;
        await tx.db.insert(files).values({
          tenantId: this.tenantId,
          id: fileId,
          purpose: 'image',
          visibility: image.visibility ?? 'public',
          status: 'ready',
          contentType: 'image/jpeg',
          sizeBytes: 1000,
          sha256: sha256(key),
          storageKey: key,
          variants:
            image.resized === false
              ? []
              : (['thumb', 'medium', 'large'] as const).map((name) => ({
                  name,
                  key: `${this.tenantId}/${fileId}-${name}.webp`,
                  contentType: 'image/webp',
                  width: 100,
                  height: 100,
                  sizeBytes: 100,
                })),
        });
        await tx.db.insert(productImages).values({
          tenantId: this.tenantId,
          id: uuidv7(),
          productId: id,
          variantId: image.variantOnly ? (variantIds[0] ?? null) : null,
          fileId,
          position,
        });
      }
      await refreshProductDerivedFields(tx, [id], this.sortLocale);
      await rebuildProductPages(tx, [id], this.sortLocale);
    });
    return id;
  }

  private attributeValueRows(
    productId: string,
    code: string,
    value: AttributeValuesFixture[string],
  ): (typeof productAttributeValues.$inferInsert)[] {
    const attribute = this.attributesByCode.get(code);
    if (!attribute) throw new Error(`no attribute ${code} in these fixtures`);
    const row = { tenantId: this.tenantId, productId, attributeId: attribute.id };
    if (typeof value === 'boolean') return [{ ...row, valueBoolean: value }];
    if (typeof value === 'number') return [{ ...row, valueNumber: String(value) }];
    if (attribute.type === 'text') return [{ ...row, valueText: String(value) }];
    return (Array.isArray(value) ? value : [value]).map((optionCode) => {
      const optionId = attribute.options[optionCode];
      if (!optionId) throw new Error(`no option ${optionCode} of ${code}`);
      return { ...row, optionId };
    });
  }
}

function localized(value: string | LocalizedText): LocalizedText {
  return typeof value === 'string' ? { tr: value } : value;
}

const TURKISH_ASCII: Record<string, string> = { ç: 'c', ğ: 'g', ı: 'i', ö: 'o', ş: 's', ü: 'u' };

export function slugify(text: string): string {
  return text
    .toLocaleLowerCase('tr')
    .replace(/[çğıöşü]/g, (letter) => TURKISH_ASCII[letter] ?? letter)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface GeneratedCatalogSize {
  products: number;
  variantsPerProduct: number;
  categories: number;
  brands: number;
}

/** The size the listing is measured at (docs/PERFORMANCE.md). */
export const BENCH_CATALOG: GeneratedCatalogSize = {
  products: 10_000,
  variantsPerProduct: 3,
  categories: 300,
  brands: 40,
};

/**
 * A large, varied catalog made inside PostgreSQL (generate_series), for query plans and load tests:
 * a three-level category tree, brands, five filterable attributes, products in Turkish (half also in
 * English) with variants, images and attribute values; 90% active, 7% draft, 3% archived, a few
 * deleted. Ids are derived from the tenant and a number, so runs are repeatable. The rows are written
 * in one transaction and their derived fields in a second; `analyze` runs between them (as the owner:
 * the application role may not ANALYZE), as autovacuum would have on a live catalog.
 */
export async function generateCatalog(
  runtime: Runtime,
  tenantId: string,
  size: GeneratedCatalogSize = BENCH_CATALOG,
  options: { analyze?: () => Promise<void> } = {},
): Promise<void> {
  const roots = Math.max(1, Math.round(size.categories / 30));
  const middle = Math.max(1, Math.round(size.categories / 7.5));
  const leaves = Math.max(1, size.categories - roots - middle);
  await withTx(systemContext(runtime, tenantId), async (tx) => {
    const t = tenantId;
    // A deterministic id and a deterministic pseudo-random number per (kind, n).
    const id = (kind: string, n: unknown) =>
      sql`md5(${t}::text || ${`:${kind}:`}::text || (${n})::text)::uuid`;
    const rnd = (salt: string, n: unknown, mod: number) =>
      sql`(abs(hashtext(${t}::text || ${`:${salt}:`}::text || (${n})::text)) % ${mod})`;

    await tx.db.execute(sql`
      INSERT INTO brands (tenant_id, id, name, slug)
      SELECT ${t}::uuid, ${id('brand', sql`i`)}, (ARRAY['Kraftpak','Ambalajcı','Öz Karton','Ege Plastik','İSTANBUL Kağıt','Anadolu Poşet','Deniz Kutu','Ulus Etiket'])[1 + i % 8] || ' ' || i,
             'marka-' || i
        FROM generate_series(1, ${size.brands}) i`);

    await tx.db.execute(sql`
      INSERT INTO categories (tenant_id, id, parent_id, ancestor_ids, position)
      SELECT ${t}::uuid, ${id('cat', sql`i`)}, NULL, '{}'::uuid[], i FROM generate_series(1, ${roots}) i`);
    await tx.db.execute(sql`
      INSERT INTO categories (tenant_id, id, parent_id, ancestor_ids, position)
      SELECT ${t}::uuid, ${id('cat', sql`${roots} + i`)}, ${id('cat', sql`1 + i % ${roots}`)},
             ARRAY[${id('cat', sql`1 + i % ${roots}`)}], i
        FROM generate_series(1, ${middle}) i`);
    await tx.db.execute(sql`
      INSERT INTO categories (tenant_id, id, parent_id, ancestor_ids, position)
      SELECT ${t}::uuid, ${id('cat', sql`${roots + middle} + i`)}, ${id('cat', sql`${roots} + 1 + i % ${middle}`)},
             ARRAY[${id('cat', sql`1 + (1 + i % ${middle}) % ${roots}`)}, ${id('cat', sql`${roots} + 1 + i % ${middle}`)}], i
        FROM generate_series(1, ${leaves}) i`);
    await tx.db.execute(sql`
      INSERT INTO category_translations (tenant_id, category_id, locale, name, slug)
      SELECT ${t}::uuid, ${id('cat', sql`i`)}, 'tr', 'Kategori ' || i, 'kategori-' || i
        FROM generate_series(1, ${roots + middle + leaves}) i`);

    await tx.db.execute(sql`
      INSERT INTO attributes (tenant_id, id, code, type, names, unit, filterable, position)
      VALUES (${t}::uuid, ${id('attr', 1)}, 'renk', 'enum', '{"tr":"Renk","en":"Colour"}', NULL, true, 1),
             (${t}::uuid, ${id('attr', 2)}, 'malzeme', 'enum', '{"tr":"Malzeme","en":"Material"}', NULL, true, 2),
             (${t}::uuid, ${id('attr', 3)}, 'boyut', 'multi_enum', '{"tr":"Boyut","en":"Size"}', NULL, true, 3),
             (${t}::uuid, ${id('attr', 4)}, 'agirlik', 'number', '{"tr":"Ağırlık","en":"Weight"}', 'g', true, 4),
             (${t}::uuid, ${id('attr', 5)}, 'geri_donusumlu', 'boolean', '{"tr":"Geri dönüşümlü"}', NULL, true, 5),
             (${t}::uuid, ${id('attr', 6)}, 'not', 'text', '{"tr":"Not"}', NULL, false, 6)`);
    await tx.db.execute(sql`
      INSERT INTO attribute_options (tenant_id, id, attribute_id, code, labels, position)
      SELECT ${t}::uuid, ${id('opt', sql`a || '-' || o`)}, ${id('attr', sql`a`)}, code, jsonb_build_object('tr', label), o
        FROM (VALUES
          (1, 1, 'kirmizi', 'Kırmızı'), (1, 2, 'mavi', 'Mavi'), (1, 3, 'yesil', 'Yeşil'), (1, 4, 'siyah', 'Siyah'),
          (1, 5, 'beyaz', 'Beyaz'), (1, 6, 'sari', 'Sarı'), (1, 7, 'kahverengi', 'Kahverengi'), (1, 8, 'gri', 'Gri'),
          (2, 1, 'karton', 'Karton'), (2, 2, 'kraft', 'Kraft'), (2, 3, 'plastik', 'Plastik'), (2, 4, 'cam', 'Cam'),
          (2, 5, 'metal', 'Metal'), (2, 6, 'ahsap', 'Ahşap'),
          (3, 1, 's', 'S'), (3, 2, 'm', 'M'), (3, 3, 'l', 'L'), (3, 4, 'xl', 'XL')
        ) AS o(a, o, code, label)`);

    const nouns = sql`ARRAY['Kutu','Çanta','Koli','Zarf','Poşet','Bardak','Etiket','Defter','Kalem','Klasör','Bant','Peçete','Tabak','Kapak','Şişe']`;
    const adjectives = sql`ARRAY['Kraft','Oluklu','Şeffaf','Renkli','Baskılı','Geri Dönüşümlü','Ekonomik','Dayanıklı','Mini','Büyük','Lüks','İSTANBUL']`;
    const englishNouns = sql`ARRAY['Box','Bag','Carton','Envelope','Pouch','Cup','Label','Notebook','Pen','Folder','Tape','Napkin','Plate','Lid','Bottle']`;
    await tx.db.execute(sql`
      INSERT INTO products (tenant_id, id, status, brand_id, unit, created_at, updated_at, deleted_at)
      SELECT ${t}::uuid, ${id('p', sql`i`)},
             CASE WHEN i % 100 < 90 THEN 'active' WHEN i % 100 < 97 THEN 'draft' ELSE 'archived' END,
             CASE WHEN i % 17 = 0 THEN NULL ELSE ${id('brand', sql`1 + ${rnd('b', sql`i`, size.brands)}`)} END,
             (ARRAY['adet','paket','koli','kg'])[1 + i % 4],
             now() - (${size.products} - i) * interval '3 minutes',
             now() - (${size.products} - i) * interval '3 minutes',
             CASE WHEN i % 250 = 0 THEN now() END
        FROM generate_series(1, ${size.products}) i`);
    await tx.db.execute(sql`
      INSERT INTO product_translations (tenant_id, product_id, locale, name, slug, description)
      SELECT ${t}::uuid, ${id('p', sql`i`)}, 'tr',
             (${adjectives})[1 + ${rnd('adj', sql`i`, 12)}] || ' ' || (${nouns})[1 + ${rnd('noun', sql`i`, 15)}] || ' ' || i,
             'urun-' || i,
             'Dayanıklı ve ekonomik ' || lower((${nouns})[1 + ${rnd('dnoun', sql`i`, 15)}]) || ' çeşitleri; toptan ve perakende satış.'
        FROM generate_series(1, ${size.products}) i`);
    await tx.db.execute(sql`
      INSERT INTO product_translations (tenant_id, product_id, locale, name, slug, description)
      SELECT ${t}::uuid, ${id('p', sql`i`)}, 'en', (${englishNouns})[1 + ${rnd('noun', sql`i`, 15)}] || ' ' || i, 'product-' || i, NULL
        FROM generate_series(2, ${size.products}, 2) i`);
    await tx.db.execute(sql`
      INSERT INTO product_variants (tenant_id, id, product_id, sku, barcode, base_price, currency, status, stock_quantity, position)
      SELECT ${t}::uuid, ${id('v', sql`i || '-' || j`)}, ${id('p', sql`i`)},
             upper(left(translate((${nouns})[1 + ${rnd('noun', sql`i`, 15)}], 'ÇŞĞİÖÜçşğıöü', 'CSGIOUcsgiou'), 3)) || '-' || lpad(i::text, 5, '0') || '-' || j,
             '869' || lpad((i * 10 + j)::text, 10, '0'),
             round((5 + ${rnd('price', sql`i`, 200000)} / 100.0) * (1 + (j - 1) * 0.25), 2),
             'TRY',
             CASE WHEN ${rnd('vs', sql`i || '-' || j`, 20)} = 0 THEN 'inactive' ELSE 'active' END,
             CASE WHEN ${rnd('stock', sql`i`, 5)} = 0 THEN 0 ELSE ${rnd('qty', sql`i || '-' || j`, 500)} END,
             j
        FROM generate_series(1, ${size.products}) i, generate_series(1, ${size.variantsPerProduct}) j`);
    await tx.db.execute(sql`
      INSERT INTO product_categories (tenant_id, product_id, category_id)
      SELECT ${t}::uuid, ${id('p', sql`i`)}, ${id('cat', sql`${roots + middle} + 1 + ${rnd('cat', sql`i`, leaves)}`)}
        FROM generate_series(1, ${size.products}) i`);
    await tx.db.execute(sql`
      INSERT INTO product_attribute_values (tenant_id, product_id, attribute_id, option_id, value_number, value_boolean)
      SELECT ${t}::uuid, ${id('p', sql`i`)}, ${id('attr', 1)}, ${id('opt', sql`'1-' || (1 + ${rnd('renk', sql`i`, 8)})`)}, NULL::numeric, NULL::boolean
        FROM generate_series(1, ${size.products}) i
      UNION ALL
      SELECT ${t}::uuid, ${id('p', sql`i`)}, ${id('attr', 2)}, ${id('opt', sql`'2-' || (1 + ${rnd('malzeme', sql`i`, 6)})`)}, NULL, NULL
        FROM generate_series(1, ${size.products}) i
      UNION ALL
      SELECT ${t}::uuid, ${id('p', sql`i`)}, ${id('attr', 3)}, ${id('opt', sql`'3-' || s`)}, NULL, NULL
        FROM generate_series(1, ${size.products}) i, generate_series(1, 4) s
       WHERE ${rnd('boyut', sql`i || '-' || s`, 3)} = 0
      UNION ALL
      SELECT ${t}::uuid, ${id('p', sql`i`)}, ${id('attr', 4)}, NULL::uuid, (10 + ${rnd('agirlik', sql`i`, 5000)})::numeric, NULL
        FROM generate_series(1, ${size.products}) i
      UNION ALL
      SELECT ${t}::uuid, ${id('p', sql`i`)}, ${id('attr', 5)}, NULL::uuid, NULL::numeric, ${rnd('geri', sql`i`, 3)} = 0
        FROM generate_series(1, ${size.products}) i`);
    await tx.db.execute(sql`
      INSERT INTO files (tenant_id, id, purpose, visibility, status, content_type, size_bytes, sha256, storage_key, variants)
      SELECT ${t}::uuid, ${id('f', sql`i`)}, 'image', 'public', 'ready', 'image/jpeg', 20000, md5(i::text) || md5(i::text),
             ${t}::text || '/' || md5(i::text) || '.jpg',
             jsonb_build_array(
               jsonb_build_object('name', 'thumb', 'key', ${t}::text || '/' || md5(i::text) || '-thumb.webp', 'contentType', 'image/webp', 'width', 160, 'height', 160, 'sizeBytes', 3000),
               jsonb_build_object('name', 'medium', 'key', ${t}::text || '/' || md5(i::text) || '-medium.webp', 'contentType', 'image/webp', 'width', 640, 'height', 640, 'sizeBytes', 20000))
        FROM generate_series(1, ${size.products}) i`);
    await tx.db.execute(sql`
      INSERT INTO product_images (tenant_id, id, product_id, file_id, position)
      SELECT ${t}::uuid, ${id('img', sql`i`)}, ${id('p', sql`i`)}, ${id('f', sql`i`)}, 0
        FROM generate_series(1, ${size.products}) i`);
  });
  // Planned against tables PostgreSQL still believes empty, the refresh below can take minutes
  // instead of seconds: statistics first (ANALYZE needs the owner), then the derived fields.
  await options.analyze?.();
  await withTx(systemContext(runtime, tenantId), async (tx) => {
    const ids = await tx.db.execute<{ id: string }>(sql`SELECT id FROM products`);
    const productIds = ids.rows.map((row) => row.id);
    await refreshProductDerivedFields(tx, productIds, 'tr');
    await rebuildProductPages(tx, productIds, 'tr');
  });
  productListingOf(runtime).catalogChanged(tenantId);
}
