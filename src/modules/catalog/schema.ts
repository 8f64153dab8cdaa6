import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn, tenantIsolation } from '../../db/tenant-policy.js';

/** A PostgreSQL text-search document; written by search-document.ts, never by hand. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
/** Bytes (a stored page's compressed form). */
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const deletedAt = () => timestamp('deleted_at', { withTimezone: true });
/** Exact money: 19 digits, 4 after the point; read and written as decimal strings. */
const money = (name: string) => numeric(name, { precision: 19, scale: 4 });
/** Quantities may be fractional (kg, m²). */
const quantity = (name: string) => numeric(name, { precision: 14, scale: 3 });

/** Texts per locale, e.g. `{"tr": "Kırmızı", "en": "Red"}`. */
export type LocalizedText = Record<string, string>;

export const PRODUCT_STATUSES = ['draft', 'active', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export const VARIANT_STATUSES = ['active', 'inactive'] as const;
export type VariantStatus = (typeof VARIANT_STATUSES)[number];

export const ATTRIBUTE_TYPES = ['text', 'number', 'boolean', 'enum', 'multi_enum'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export const brands = pgTable(
  'brands',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: jsonb('description').$type<LocalizedText>().notNull().default({}),
    logoFileId: uuid('logo_file_id'),
    externalId: text('external_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('brands_tenant_slug_key').on(t.tenantId, t.slug),
    uniqueIndex('brands_tenant_external_key').on(t.tenantId, t.externalId),
    tenantIsolation(),
  ],
);
export type BrandRow = typeof brands.$inferSelect;

/**
 * A tree of any depth. `ancestor_ids` lists the path from the root (nearest parent last), so "this
 * category and everything under it" is one indexed `@>` and a move rewrites only the moved subtree.
 */
export const categories = pgTable(
  'categories',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').primaryKey(),
    parentId: uuid('parent_id'),
    ancestorIds: uuid('ancestor_ids').array().notNull().default(sql`'{}'::uuid[]`),
    position: integer('position').notNull().default(0),
    externalId: text('external_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('categories_tenant_parent_idx').on(t.tenantId, t.parentId, t.position),
    index('categories_ancestors_idx').using('gin', t.ancestorIds),
    uniqueIndex('categories_tenant_external_key').on(t.tenantId, t.externalId),
    tenantIsolation(),
  ],
);
export type CategoryRow = typeof categories.$inferSelect;

export const categoryTranslations = pgTable(
  'category_translations',
  {
    tenantId: tenantIdColumn(),
    categoryId: uuid('category_id')
      .notNull()
      .references(() => categories.id, { onDelete: 'cascade' }),
    locale: text('locale').notNull(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
  },
  (t) => [
    primaryKey({ columns: [t.categoryId, t.locale] }),
    uniqueIndex('category_translations_slug_key').on(t.tenantId, t.locale, t.slug),
    tenantIsolation(),
  ],
);

/** A typed property of products (material, width, colour), assigned to the categories that use it. */
export const attributes = pgTable(
  'attributes',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').primaryKey(),
    code: text('code').notNull(),
    type: text('type', { enum: ATTRIBUTE_TYPES }).notNull(),
    names: jsonb('names').$type<LocalizedText>().notNull(),
    unit: text('unit'),
    filterable: boolean('filterable').notNull().default(false),
    position: integer('position').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('attributes_tenant_code_key').on(t.tenantId, t.code),
    check('attributes_type_check', sql`${t.type} IN ('text', 'number', 'boolean', 'enum', 'multi_enum')`),
    tenantIsolation(),
  ],
);
export type AttributeRow = typeof attributes.$inferSelect;

/** The choices of an enum or multi-enum attribute. */
export const attributeOptions = pgTable(
  'attribute_options',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').primaryKey(),
    attributeId: uuid('attribute_id')
      .notNull()
      .references(() => attributes.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    labels: jsonb('labels').$type<LocalizedText>().notNull(),
    position: integer('position').notNull().default(0),
  },
  (t) => [
    uniqueIndex('attribute_options_code_key').on(t.attributeId, t.code),
    index('attribute_options_tenant_idx').on(t.tenantId),
    tenantIsolation(),
  ],
);
export type AttributeOptionRow = typeof attributeOptions.$inferSelect;

/** Which attributes a category's products have (inherited by its descendants). */
export const categoryAttributes = pgTable(
  'category_attributes',
  {
    tenantId: tenantIdColumn(),
    categoryId: uuid('category_id')
      .notNull()
      .references(() => categories.id, { onDelete: 'cascade' }),
    attributeId: uuid('attribute_id')
      .notNull()
      .references(() => attributes.id, { onDelete: 'cascade' }),
    required: boolean('required').notNull().default(false),
    position: integer('position').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.categoryId, t.attributeId] }),
    index('category_attributes_attribute_idx').on(t.attributeId),
    tenantIsolation(),
  ],
);

export const products = pgTable(
  'products',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').primaryKey(),
    status: text('status', { enum: PRODUCT_STATUSES }).notNull().default('draft'),
    brandId: uuid('brand_id').references(() => brands.id, { onDelete: 'set null' }),
    /** KDV rate in percent (0, 1, 10, 20 in Turkey). */
    taxRate: numeric('tax_rate', { precision: 5, scale: 2 }).notNull().default('20'),
    unit: text('unit').notNull().default('adet'),
    minOrderQuantity: quantity('min_order_quantity').notNull().default('1'),
    orderMultiple: quantity('order_multiple').notNull().default('1'),
    externalId: text('external_id'),
    /** Kept by search-document.ts from names, SKUs, brand and descriptions. */
    searchVector: tsvector('search_vector'),
    /** Unaccented lower-case names, SKUs and brand, for typo-tolerant trigram matching. */
    searchText: text('search_text').notNull().default(''),
    /** Lowest and highest active variant base price, kept with the variants (for filters and sort). */
    minPrice: money('min_price'),
    maxPrice: money('max_price'),
    inStock: boolean('in_stock').notNull().default(false),
    /** Name in the tenant's default locale, kept for sorting by name. */
    sortName: text('sort_name').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    check('products_status_check', sql`${t.status} IN ('draft', 'active', 'archived')`),
    check('products_quantities_check', sql`${t.minOrderQuantity} > 0 AND ${t.orderMultiple} > 0`),
    index('products_listing_idx')
      .on(t.tenantId, t.status, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.deletedAt} IS NULL`),
    index('products_brand_idx').on(t.tenantId, t.brandId),
    index('products_price_idx').on(t.tenantId, t.minPrice),
    index('products_search_idx').using('gin', t.searchVector),
    index('products_search_trgm_idx').using('gin', t.searchText.op('gin_trgm_ops')),
    uniqueIndex('products_tenant_external_key').on(t.tenantId, t.externalId),
    tenantIsolation(),
  ],
);
export type ProductRow = typeof products.$inferSelect;

/** Name, slug and description per locale; slugs are unique per tenant and locale. */
export const productTranslations = pgTable(
  'product_translations',
  {
    tenantId: tenantIdColumn(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    locale: text('locale').notNull(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.locale] }),
    uniqueIndex('product_translations_slug_key').on(t.tenantId, t.locale, t.slug),
    // Product pages are found by slug in whatever locale the link used.
    index('product_translations_tenant_slug_idx').on(t.tenantId, t.slug),
    tenantIsolation(),
  ],
);

export const productCategories = pgTable(
  'product_categories',
  {
    tenantId: tenantIdColumn(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    categoryId: uuid('category_id')
      .notNull()
      .references(() => categories.id, { onDelete: 'cascade' }),
    position: integer('position').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.categoryId] }),
    index('product_categories_category_idx').on(t.tenantId, t.categoryId, t.productId),
    tenantIsolation(),
  ],
);

/**
 * A product's attribute values: one row per value (a multi-enum has one row per chosen option), in
 * the column of the attribute's type.
 */
export const productAttributeValues = pgTable(
  'product_attribute_values',
  {
    tenantId: tenantIdColumn(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    attributeId: uuid('attribute_id')
      .notNull()
      .references(() => attributes.id, { onDelete: 'cascade' }),
    optionId: uuid('option_id').references(() => attributeOptions.id, { onDelete: 'cascade' }),
    valueText: text('value_text'),
    valueNumber: numeric('value_number'),
    valueBoolean: boolean('value_boolean'),
  },
  (t) => [
    index('product_attribute_values_product_idx').on(t.productId),
    index('product_attribute_values_facet_idx').on(t.tenantId, t.attributeId, t.optionId, t.productId),
    tenantIsolation(),
  ],
);

/** A sellable item: every product has at least one. SKUs are unique per tenant among live variants. */
export const productVariants = pgTable(
  'product_variants',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').primaryKey(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sku: text('sku').notNull(),
    barcode: text('barcode'),
    /** Option name → value, e.g. `{"size": "L", "color": "Kırmızı"}`. */
    optionValues: jsonb('option_values').$type<Record<string, string>>().notNull().default({}),
    weightGrams: integer('weight_grams'),
    lengthMm: integer('length_mm'),
    widthMm: integer('width_mm'),
    heightMm: integer('height_mm'),
    basePrice: money('base_price').notNull(),
    currency: text('currency').notNull().default('TRY'),
    status: text('status', { enum: VARIANT_STATUSES }).notNull().default('active'),
    /** On-hand quantity until the stock module owns it; drives the product's in-stock flag. */
    stockQuantity: quantity('stock_quantity').notNull().default('0'),
    position: integer('position').notNull().default(0),
    externalId: text('external_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    check('product_variants_status_check', sql`${t.status} IN ('active', 'inactive')`),
    check('product_variants_price_check', sql`${t.basePrice} >= 0`),
    uniqueIndex('product_variants_sku_key').on(t.tenantId, t.sku).where(sql`${t.deletedAt} IS NULL`),
    index('product_variants_product_idx').on(t.productId, t.position),
    index('product_variants_barcode_idx').on(t.tenantId, t.barcode),
    index('product_variants_sku_trgm_idx').using('gin', t.sku.op('gin_trgm_ops')),
    tenantIsolation(),
  ],
);
export type VariantRow = typeof productVariants.$inferSelect;

export const productImages = pgTable(
  'product_images',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').primaryKey(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    variantId: uuid('variant_id').references(() => productVariants.id, { onDelete: 'cascade' }),
    fileId: uuid('file_id').notNull(),
    position: integer('position').notNull().default(0),
    alt: jsonb('alt').$type<LocalizedText>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('product_images_product_idx').on(t.productId, t.position), tenantIsolation()],
);
export type ProductImageRow = typeof productImages.$inferSelect;

/**
 * A product page as guests and customers get it, serialized once when the product (or anything it
 * shows: brand, categories, attributes, images) changes, per locale it can be asked in. `fallback`
 * is the tenant's content language it was made with; a page made with another is not served.
 * Staff pages and locales without a stored page are made for each request (product-detail.ts).
 */
export const productPages = pgTable(
  'product_pages',
  {
    tenantId: tenantIdColumn(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    locale: text('locale').notNull(),
    /** The product's slug in `locale` (null when it has no text in it): links in that locale find it at once. */
    slug: text('slug'),
    fallback: text('fallback').notNull(),
    body: text('body').notNull(),
    /** `body` gzip-compressed, sent to callers that accept gzip (null on pages stored before it was kept). */
    bodyGzip: bytea('body_gzip'),
    etag: text('etag').notNull(),
    builtAt: timestamp('built_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.locale] }),
    index('product_pages_slug_idx').on(t.tenantId, t.slug, t.locale),
    tenantIsolation(),
  ],
);

export const IMPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** One problem with one row of an import file. */
export interface ImportRowError {
  row: number;
  field: string | null;
  message: string;
}

/** A CSV import of products and variants, run as a background job; clients poll it for progress. */
export const catalogImports = pgTable(
  'catalog_imports',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').primaryKey(),
    status: text('status', { enum: IMPORT_STATUSES }).notNull().default('queued'),
    fileId: uuid('file_id').notNull(),
    totalRows: integer('total_rows'),
    processedRows: integer('processed_rows').notNull().default(0),
    createdCount: integer('created_count').notNull().default(0),
    updatedCount: integer('updated_count').notNull().default(0),
    errorCount: integer('error_count').notNull().default(0),
    errors: jsonb('errors').$type<ImportRowError[]>().notNull().default([]),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    check('catalog_imports_status_check', sql`${t.status} IN ('queued', 'running', 'completed', 'failed')`),
    index('catalog_imports_tenant_created_idx').on(t.tenantId, t.createdAt),
    tenantIsolation(),
  ],
);
export type CatalogImportRow = typeof catalogImports.$inferSelect;
