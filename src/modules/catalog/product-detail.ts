import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/tx.js';
import { files, imageUrlsOf } from '../files/index.js';
import { breadcrumbsOf } from './categories.service.js';
import type { ProductDetail } from './contracts.js';
import { notFound } from './errors.js';
import {
  attributeOptions,
  attributes,
  brands,
  categories,
  productAttributeValues,
  productCategories,
  productImages,
  products,
  productVariants,
  type VariantRow,
} from './schema.js';
import { type LocaleChoice, pickLocale, pickText } from './texts.js';
import { PRODUCT_TEXTS, translationsOf } from './translations.js';

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
  const [product] = await tx.db
    .select()
    .from(products)
    .where(and(eq(products.id, productId), isNull(products.deletedAt)))
    .limit(1);
  if (!product || (!options.includeUnpublished && product.status !== 'active')) throw notFound('product');

  const texts = (await translationsOf(tx, PRODUCT_TEXTS, [productId])).get(productId) ?? {};
  const locale = pickLocale(Object.keys(texts), options) ?? options.locale;
  const text = texts[locale];

  const variants = (
    await tx.db
      .select()
      .from(productVariants)
      .where(and(eq(productVariants.productId, productId), isNull(productVariants.deletedAt)))
      .orderBy(asc(productVariants.position), asc(productVariants.id))
  ).filter((v) => options.includeUnpublished || v.status === 'active');
  const shownVariants = new Set(variants.map((v) => v.id));

  const [brand] = product.brandId
    ? await tx.db
        .select({ id: brands.id, name: brands.name, slug: brands.slug })
        .from(brands)
        .where(eq(brands.id, product.brandId))
        .limit(1)
    : [];

  return {
    id: product.id,
    status: product.status,
    locale,
    name: text?.name ?? '',
    slug: text?.slug ?? '',
    description: text?.description ?? null,
    translations: texts,
    brand: brand ?? null,
    taxRate: product.taxRate,
    unit: product.unit,
    minOrderQuantity: product.minOrderQuantity,
    orderMultiple: product.orderMultiple,
    externalId: product.externalId,
    minPrice: product.minPrice,
    maxPrice: product.maxPrice,
    inStock: product.inStock,
    variants: variants.map((v) => variantView(v, options.includeUnpublished)),
    images: await imagesOf(tx, productId, shownVariants, options),
    attributes: await attributesOf(tx, productId, options),
    categories: await categoriesOf(tx, productId, options),
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
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
async function imagesOf(tx: Tx, productId: string, shownVariants: Set<string>, choice: LocaleChoice) {
  const rows = await tx.db
    .select({ image: productImages, file: files })
    .from(productImages)
    .innerJoin(files, eq(files.id, productImages.fileId))
    .where(and(eq(productImages.productId, productId), isNull(files.deletedAt)))
    .orderBy(asc(productImages.position), asc(productImages.id));
  return rows
    .filter(({ image }) => image.variantId === null || shownVariants.has(image.variantId))
    .map(({ image, file }) => ({
      id: image.id,
      fileId: image.fileId,
      variantId: image.variantId,
      position: image.position,
      alt: pickText(image.alt, choice),
      alts: image.alt,
      width: file.width,
      height: file.height,
      urls: imageUrlsOf(file),
    }));
}

/** Attribute values with their definitions, names and option labels in the chosen locale. */
async function attributesOf(tx: Tx, productId: string, choice: LocaleChoice) {
  const rows = await tx.db
    .select({ value: productAttributeValues, attribute: attributes, option: attributeOptions })
    .from(productAttributeValues)
    .innerJoin(attributes, eq(attributes.id, productAttributeValues.attributeId))
    .leftJoin(attributeOptions, eq(attributeOptions.id, productAttributeValues.optionId))
    .where(eq(productAttributeValues.productId, productId))
    .orderBy(
      asc(attributes.position),
      asc(attributes.code),
      asc(attributeOptions.position),
      asc(attributeOptions.code),
    );
  const byAttribute = new Map<string, ProductDetail['attributes'][number]>();
  for (const { value, attribute, option } of rows) {
    let entry = byAttribute.get(attribute.id);
    if (!entry) {
      entry = {
        attributeId: attribute.id,
        code: attribute.code,
        type: attribute.type,
        name: pickText(attribute.names, choice),
        unit: attribute.unit,
        filterable: attribute.filterable,
        value: attribute.type === 'multi_enum' ? [] : null,
        options: [],
      };
      byAttribute.set(attribute.id, entry);
    }
    if (option) {
      entry.options.push({ code: option.code, label: pickText(option.labels, choice) });
      if (attribute.type === 'multi_enum') (entry.value as string[]).push(option.code);
      else entry.value = option.code;
    } else if (value.valueText !== null) entry.value = value.valueText;
    else if (value.valueNumber !== null) entry.value = Number(value.valueNumber);
    else if (value.valueBoolean !== null) entry.value = value.valueBoolean;
  }
  return [...byAttribute.values()];
}

/** The product's categories, each with its path from the root. */
async function categoriesOf(tx: Tx, productId: string, choice: LocaleChoice) {
  const rows = await tx.db
    .select({ id: categories.id, ancestorIds: categories.ancestorIds })
    .from(productCategories)
    .innerJoin(categories, eq(categories.id, productCategories.categoryId))
    .where(eq(productCategories.productId, productId))
    .orderBy(asc(productCategories.position));
  const paths = await breadcrumbsOf(tx, rows, choice);
  return rows.map((row) => {
    const breadcrumbs = paths.get(row.id) ?? [];
    const self = breadcrumbs.at(-1) ?? { id: row.id, name: '', slug: '' };
    return { ...self, breadcrumbs };
  });
}
