import type { Tx } from '../../db/tx.js';
import { isUuid } from '../../kernel/uuid.js';
import { imageUrlsOf } from '../files/index.js';
import type { FileVariant } from '../files/schema.js';
import { categoryRef } from './categories.service.js';
import type { ProductDetail } from './contracts.js';
import { notFound } from './errors.js';
import type { AttributeType, LocalizedText, ProductStatus, VariantRow } from './schema.js';
import { type LocaleChoice, pickLocale, pickText } from './texts.js';

export interface DetailOptions extends LocaleChoice {
  /**
   * Staff and API keys with products.view: drafts, archived products and inactive variants are shown,
   * and stock quantities. Everyone else sees active products with their active variants only.
   */
  includeUnpublished: boolean;
}

/** A product as a product page needs it, texts in the chosen locale; 404 when the caller may not see it. */
export async function productDetail(
  tx: Tx,
  productId: string,
  options: DetailOptions,
): Promise<ProductDetail> {
  return toDetail(await pageById(tx, productId), options);
}

/**
 * The product page by id or by slug in any locale (when products share a slug across locales, the
 * one in the caller's locale wins, as `pickLocale` chooses): for a slug, finding the product and
 * reading its page are one statement.
 */
export async function productPage(tx: Tx, idOrSlug: string, options: DetailOptions): Promise<ProductDetail> {
  const byId = isUuid(idOrSlug) ? await pageById(tx, idOrSlug) : undefined;
  if (byId) return toDetail(byId, options);
  const language = options.locale.split('-')[0]!;
  const { rows } = await tx.client.query<PageRow>({
    name: 'catalog_product_page_by_slug',
    text: PAGE_BY_SLUG,
    values: [idOrSlug, options.locale, language, options.fallback],
  });
  return toDetail(rows[0], options);
}

async function pageById(tx: Tx, productId: string): Promise<PageRow | undefined> {
  const { rows } = await tx.client.query<PageRow>({
    name: 'catalog_product_page',
    text: PAGE_BY_ID,
    values: [productId],
  });
  return rows[0];
}

export function toDetail(product: PageRow | undefined, options: DetailOptions): ProductDetail {
  if (!product || (!options.includeUnpublished && product.status !== 'active')) throw notFound('product');

  const texts: Record<string, { name: string; slug: string; description: string | null }> = {};
  for (const t of product.texts) texts[t.locale] = { name: t.name, slug: t.slug, description: t.description };
  const locale = pickLocale(Object.keys(texts), options) ?? options.locale;
  const text = texts[locale];

  const variants = product.variants
    .filter((v) => options.includeUnpublished || v.status === 'active')
    .map((v) => ({ ...v, createdAt: new Date(v.createdAt), updatedAt: new Date(v.updatedAt) }) as VariantRow);
  const shownVariants = new Set(variants.map((v) => v.id));

  return {
    id: product.id,
    status: product.status,
    locale,
    name: text?.name ?? '',
    slug: text?.slug ?? '',
    description: text?.description ?? null,
    translations: texts,
    brand: product.brand,
    taxRate: product.tax_rate,
    unit: product.unit,
    minOrderQuantity: product.min_order_quantity,
    orderMultiple: product.order_multiple,
    externalId: product.external_id,
    minPrice: product.min_price,
    maxPrice: product.max_price,
    inStock: product.in_stock,
    variants: variants.map((v) => variantView(v, options.includeUnpublished)),
    images: imagesOf(product.images, shownVariants, options),
    attributes: attributesOf(product.attribute_values, options),
    categories: categoriesOf(product.categories, product.category_texts, options),
    createdAt: product.created_at.toISOString(),
    updatedAt: product.updated_at.toISOString(),
  };
}

export function variantView(v: VariantRow, includeStock: boolean) {
  return {
    id: v.id,
    sku: v.sku,
    barcode: v.barcode,
    optionValues: v.optionValues,
    weightGrams: v.weightGrams,
    lengthMm: v.lengthMm,
    widthMm: v.widthMm,
    heightMm: v.heightMm,
    basePrice: v.basePrice,
    currency: v.currency,
    status: v.status,
    inStock: v.status === 'active' && Number(v.stockQuantity) > 0,
    ...(includeStock ? { stockQuantity: v.stockQuantity } : {}),
    position: v.position,
    externalId: v.externalId,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
  };
}

/** Images in display order, with URLs; an image of a variant the caller does not see is left out. */
function imagesOf(rows: PageRow['images'], shownVariants: Set<string>, choice: LocaleChoice) {
  return rows
    .filter((image) => image.variantId === null || shownVariants.has(image.variantId))
    .map((image) => ({
      id: image.id,
      fileId: image.fileId,
      variantId: image.variantId,
      position: image.position,
      alt: pickText(image.alt, choice),
      alts: image.alt,
      width: image.width,
      height: image.height,
      urls: imageUrlsOf(image),
    }));
}

/** Attribute values with their definitions, names and option labels in the chosen locale. */
function attributesOf(rows: PageRow['attribute_values'], choice: LocaleChoice) {
  const byAttribute = new Map<string, ProductDetail['attributes'][number]>();
  for (const row of rows) {
    let entry = byAttribute.get(row.attributeId);
    if (!entry) {
      entry = {
        attributeId: row.attributeId,
        code: row.code,
        type: row.type,
        name: pickText(row.names, choice),
        unit: row.unit,
        filterable: row.filterable,
        value: row.type === 'multi_enum' ? [] : null,
        options: [],
      };
      byAttribute.set(row.attributeId, entry);
    }
    if (row.optionCode !== null) {
      entry.options.push({ code: row.optionCode, label: pickText(row.optionLabels ?? {}, choice) });
      if (row.type === 'multi_enum') (entry.value as string[]).push(row.optionCode);
      else entry.value = row.optionCode;
    } else if (row.valueText !== null) entry.value = row.valueText;
    else if (row.valueNumber !== null) entry.value = Number(row.valueNumber);
    else if (row.valueBoolean !== null) entry.value = row.valueBoolean;
  }
  return [...byAttribute.values()];
}

/** The product's categories, each with its path from the root (the category itself last). */
function categoriesOf(rows: PageRow['categories'], texts: PageRow['category_texts'], choice: LocaleChoice) {
  const byCategory = new Map<string, Record<string, { name: string; slug: string }>>();
  for (const t of texts) {
    const own = byCategory.get(t.id) ?? {};
    own[t.locale] = { name: t.name, slug: t.slug };
    byCategory.set(t.id, own);
  }
  return rows.map((row) => {
    const breadcrumbs = [...row.ancestorIds, row.id].map((id) =>
      categoryRef(id, byCategory.get(id) ?? {}, choice),
    );
    return { ...breadcrumbs.at(-1)!, breadcrumbs };
  });
}

export interface PageRow {
  id: string;
  status: ProductStatus;
  tax_rate: string;
  unit: string;
  min_order_quantity: string;
  order_multiple: string;
  external_id: string | null;
  min_price: string | null;
  max_price: string | null;
  in_stock: boolean;
  created_at: Date;
  updated_at: Date;
  brand: { id: string; name: string; slug: string } | null;
  texts: { locale: string; name: string; slug: string; description: string | null }[];
  variants: (Omit<VariantRow, 'createdAt' | 'updatedAt' | 'tenantId' | 'productId' | 'deletedAt'> & {
    createdAt: string;
    updatedAt: string;
  })[];
  images: {
    id: string;
    fileId: string;
    variantId: string | null;
    position: number;
    alt: LocalizedText;
    width: number | null;
    height: number | null;
    storageKey: string;
    variants: FileVariant[];
  }[];
  attribute_values: {
    attributeId: string;
    code: string;
    type: AttributeType;
    names: LocalizedText;
    unit: string | null;
    filterable: boolean;
    valueText: string | null;
    valueNumber: string | null;
    valueBoolean: boolean | null;
    optionCode: string | null;
    optionLabels: LocalizedText | null;
  }[];
  categories: { id: string; ancestorIds: string[] }[];
  category_texts: { id: string; locale: string; name: string; slug: string }[];
}

// The whole product page in one statement, prepared once per connection: one round trip instead of
// nine, and one snapshot. Money and quantities leave as text (never a JSON number); the policy of
// every table still applies, so only the tenant's rows are read.
export const PAGE_COLUMNS = `
SELECT p.id, p.status, p.tax_rate::text AS tax_rate, p.unit,
       p.min_order_quantity::text AS min_order_quantity, p.order_multiple::text AS order_multiple,
       p.external_id, p.min_price::text AS min_price, p.max_price::text AS max_price, p.in_stock,
       p.created_at, p.updated_at,
       (SELECT json_build_object('id', b.id, 'name', b.name, 'slug', b.slug)
          FROM brands b WHERE b.id = p.brand_id) AS brand,
       (SELECT coalesce(json_agg(json_build_object(
                 'locale', t.locale, 'name', t.name, 'slug', t.slug, 'description', t.description)), '[]')
          FROM product_translations t WHERE t.product_id = p.id) AS texts,
       (SELECT coalesce(json_agg(json_build_object(
                 'id', v.id, 'sku', v.sku, 'barcode', v.barcode, 'optionValues', v.option_values,
                 'weightGrams', v.weight_grams, 'lengthMm', v.length_mm, 'widthMm', v.width_mm,
                 'heightMm', v.height_mm, 'basePrice', v.base_price::text, 'currency', v.currency,
                 'status', v.status, 'stockQuantity', v.stock_quantity::text, 'position', v.position,
                 'externalId', v.external_id, 'createdAt', v.created_at, 'updatedAt', v.updated_at)
                 ORDER BY v.position, v.id), '[]')
          FROM product_variants v WHERE v.product_id = p.id AND v.deleted_at IS NULL) AS variants,
       (SELECT coalesce(json_agg(json_build_object(
                 'id', i.id, 'fileId', i.file_id, 'variantId', i.variant_id, 'position', i.position,
                 'alt', i.alt, 'width', f.width, 'height', f.height, 'storageKey', f.storage_key,
                 'variants', f.variants)
                 ORDER BY i.position, i.id), '[]')
          FROM product_images i JOIN files f ON f.id = i.file_id AND f.deleted_at IS NULL
         WHERE i.product_id = p.id) AS images,
       (SELECT coalesce(json_agg(json_build_object(
                 'attributeId', a.id, 'code', a.code, 'type', a.type, 'names', a.names, 'unit', a.unit,
                 'filterable', a.filterable, 'valueText', pav.value_text,
                 'valueNumber', pav.value_number::text, 'valueBoolean', pav.value_boolean,
                 'optionCode', o.code, 'optionLabels', o.labels)
                 ORDER BY a.position, a.code, o.position, o.code), '[]')
          FROM product_attribute_values pav
          JOIN attributes a ON a.id = pav.attribute_id
          LEFT JOIN attribute_options o ON o.id = pav.option_id
         WHERE pav.product_id = p.id) AS attribute_values,
       (SELECT coalesce(json_agg(json_build_object('id', c.id, 'ancestorIds', c.ancestor_ids)
                 ORDER BY pc.position), '[]')
          FROM product_categories pc JOIN categories c ON c.id = pc.category_id
         WHERE pc.product_id = p.id) AS categories,
       (SELECT coalesce(json_agg(json_build_object(
                 'id', ct.category_id, 'locale', ct.locale, 'name', ct.name, 'slug', ct.slug)), '[]')
          FROM category_translations ct
         WHERE ct.category_id IN (SELECT unnest(c.ancestor_ids || c.id)
                                    FROM product_categories pc JOIN categories c ON c.id = pc.category_id
                                   WHERE pc.product_id = p.id)) AS category_texts`;

const PAGE_BY_ID = `${PAGE_COLUMNS}
  FROM products p
 WHERE p.id = $1 AND p.deleted_at IS NULL`;

/**
 * Which product a slug ($1) names when several have it in different locales: the one in the caller's
 * locale ($2), then its language ($3), then the tenant's ($4).
 */
export const SLUG_PREFERENCE =
  'ORDER BY t.locale = $2 DESC, t.locale = $3 DESC, t.locale = $4 DESC, t.locale COLLATE "C"';

const PAGE_BY_SLUG = `
WITH target AS (
  SELECT t.product_id AS id
    FROM product_translations t JOIN products live ON live.id = t.product_id AND live.deleted_at IS NULL
   WHERE t.slug = $1
   ${SLUG_PREFERENCE}
   LIMIT 1
)${PAGE_COLUMNS}
  FROM target JOIN products p ON p.id = target.id`;
