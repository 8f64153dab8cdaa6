import { and, asc, eq, gt, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { type Tx, withTx } from '../../../db/tx.js';
import type { RequestContext } from '../../../kernel/context.js';
import { categoryRefs } from '../categories.service.js';
import {
  brands,
  categories,
  type ProductRow,
  type ProductStatus,
  productCategories,
  products,
  productTranslations,
  productVariants,
  type VariantRow,
} from '../schema.js';
import { PRODUCT_TEXTS, translationsOf } from '../translations.js';
import {
  exportColumns,
  formatOptions,
  PRODUCT_KEY,
  plainDecimal,
  TEXT_KINDS,
  textColumn,
} from './columns.js';
import { csvLine, type Delimiter, UTF8_BOM } from './csv.js';

/*
 * The CSV export: every live product with its variants, in the format the import reads, so a file
 * exported, edited in a spreadsheet and imported again changes exactly what was edited. Products are
 * read in keyset batches, each batch its own read (no transaction held while a slow client downloads),
 * so memory stays flat whatever the size of the catalog; a product changed during the download
 * appears as it was when its batch was read.
 */

const BATCH_SIZE = 200;

export interface ExportQuery {
  status?: ProductStatus | undefined;
  /** Only products in this category or any category below it. */
  categoryId?: string | undefined;
  delimiter: Delimiter;
}

/** Locales with product texts, the content locale first; tr and en always, so a template has them. */
export async function exportLocales(tx: Tx, contentLocale: string): Promise<string[]> {
  const rows = await tx.db.selectDistinct({ locale: productTranslations.locale }).from(productTranslations);
  const others = new Set(['tr', 'en', ...rows.map((r) => r.locale)]);
  others.delete(contentLocale);
  return [contentLocale, ...[...others].sort()];
}

/**
 * The file, piece by piece: a byte order mark (Excel reads UTF-8 only with one) and the header, then
 * one piece per batch of products.
 */
export async function* exportProducts(
  ctx: RequestContext,
  query: ExportQuery,
  contentLocale: string,
): AsyncGenerator<string> {
  const locales = await withTx(ctx, (tx) => exportLocales(tx, contentLocale), { readOnly: true });
  const columns = exportColumns(locales);
  yield UTF8_BOM + csvLine(columns, query.delimiter);
  let after: string | undefined;
  for (;;) {
    const batch = await withTx(ctx, (tx) => exportBatch(tx, query, after, columns, contentLocale), {
      readOnly: true,
    });
    if (batch.text !== '') yield batch.text;
    if (batch.lastId === undefined || batch.count < BATCH_SIZE) return;
    after = batch.lastId;
  }
}

function productFilters(query: ExportQuery, after: string | undefined): SQL[] {
  const filters: SQL[] = [isNull(products.deletedAt)];
  if (after) filters.push(gt(products.id, after));
  if (query.status) filters.push(eq(products.status, query.status));
  if (query.categoryId) {
    const inTree = or(
      eq(categories.id, query.categoryId),
      sql`${query.categoryId}::uuid = ANY(${categories.ancestorIds})`,
    );
    filters.push(
      sql`EXISTS (SELECT 1 FROM ${productCategories} JOIN ${categories} ON ${categories.id} = ${productCategories.categoryId}
                   WHERE ${productCategories.productId} = ${products.id} AND ${inTree})`,
    );
  }
  return filters;
}

async function exportBatch(
  tx: Tx,
  query: ExportQuery,
  after: string | undefined,
  columns: readonly string[],
  contentLocale: string,
): Promise<{ text: string; count: number; lastId: string | undefined }> {
  const rows = await tx.db
    .select()
    .from(products)
    .where(and(...productFilters(query, after)))
    .orderBy(asc(products.id))
    .limit(BATCH_SIZE);
  if (rows.length === 0) return { text: '', count: 0, lastId: undefined };
  const ids = rows.map((r) => r.id);

  const texts = await translationsOf(tx, PRODUCT_TEXTS, ids);
  const links = await tx.db
    .select({ productId: productCategories.productId, categoryId: productCategories.categoryId })
    .from(productCategories)
    .where(inArray(productCategories.productId, ids))
    .orderBy(asc(productCategories.productId), asc(productCategories.position));
  const refs = await categoryRefs(
    tx,
    links.map((l) => l.categoryId),
    { locale: contentLocale, fallback: contentLocale },
  );
  const brandIds = [...new Set(rows.flatMap((r) => (r.brandId ? [r.brandId] : [])))];
  const brandSlugs = new Map(
    brandIds.length === 0
      ? []
      : (
          await tx.db
            .select({ id: brands.id, slug: brands.slug })
            .from(brands)
            .where(inArray(brands.id, brandIds))
        ).map((b) => [b.id, b.slug]),
  );
  const variants = await tx.db
    .select()
    .from(productVariants)
    .where(and(inArray(productVariants.productId, ids), isNull(productVariants.deletedAt)))
    .orderBy(asc(productVariants.productId), asc(productVariants.position), asc(productVariants.id));

  const categorySlugs = new Map<string, string[]>();
  for (const link of links) {
    const slug = refs.get(link.categoryId)?.slug;
    if (!slug) continue;
    categorySlugs.set(link.productId, [...(categorySlugs.get(link.productId) ?? []), slug]);
  }
  const variantsOf = new Map<string, VariantRow[]>();
  for (const variant of variants)
    variantsOf.set(variant.productId, [...(variantsOf.get(variant.productId) ?? []), variant]);

  let text = '';
  for (const product of rows) {
    const cells = productCells(
      product,
      texts.get(product.id) ?? {},
      brandSlugs,
      categorySlugs.get(product.id) ?? [],
    );
    // Every product has a variant; were one to have none, its row still shows the product.
    for (const variant of variantsOf.get(product.id) ?? [undefined]) {
      const all = { ...cells, ...(variant ? variantCells(variant) : {}) };
      text += csvLine(
        columns.map((column) => all[column] ?? ''),
        query.delimiter,
      );
    }
  }
  return { text, count: rows.length, lastId: rows.at(-1)!.id };
}

function productCells(
  product: ProductRow,
  texts: Record<string, { name: string; slug: string; description: string | null }>,
  brandSlugs: ReadonlyMap<string, string>,
  categorySlugs: readonly string[],
): Record<string, string> {
  const cells: Record<string, string> = {
    // A product made without an external id is keyed by its own id, which the import recognises.
    [PRODUCT_KEY]: product.externalId ?? product.id,
    status: product.status,
    brand: product.brandId ? (brandSlugs.get(product.brandId) ?? '') : '',
    categories: categorySlugs.join('|'),
    unit: product.unit,
    tax_rate: plainDecimal(product.taxRate),
    min_order_quantity: plainDecimal(product.minOrderQuantity),
    order_multiple: plainDecimal(product.orderMultiple),
  };
  for (const [locale, text] of Object.entries(texts)) {
    for (const kind of TEXT_KINDS) cells[textColumn(kind, locale)] = text[kind] ?? '';
  }
  return cells;
}

function variantCells(variant: VariantRow): Record<string, string> {
  const whole = (value: number | null) => (value === null ? '' : String(value));
  return {
    sku: variant.sku,
    barcode: variant.barcode ?? '',
    options: formatOptions(variant.optionValues),
    base_price: moneyText(variant.basePrice),
    currency: variant.currency,
    stock_quantity: plainDecimal(variant.stockQuantity),
    weight_grams: whole(variant.weightGrams),
    length_mm: whole(variant.lengthMm),
    width_mm: whole(variant.widthMm),
    height_mm: whole(variant.heightMm),
    variant_status: variant.status,
  };
}

/** Prices as people write them: "12.50", "12.00", and "12.1234" only when the cents are not enough. */
function moneyText(value: string): string {
  const plain = plainDecimal(value);
  const [whole, fraction = ''] = plain.split('.');
  return `${whole}.${fraction.padEnd(2, '0')}`;
}
