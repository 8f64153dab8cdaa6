import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import {
  type AttributeValueRow,
  attributesForCategories,
  checkRequiredAttributes,
  replaceAttributeValues,
  resolveAttributeValues,
  storedAttributeValues,
} from './attribute-values.js';
import { productsChanged } from './changes.js';
import type { ProductCreateBody, ProductPatchBody } from './contracts.js';
import { invalidField, invalidFields, taken } from './errors.js';
import { insertImages, publicImageFile } from './images.service.js';
import { lockLiveProduct } from './product-rows.js';
import {
  brands,
  categories,
  type ProductRow,
  productCategories,
  products,
  productTranslations,
  productVariants,
} from './schema.js';
import {
  insertTranslations,
  PRODUCT_TEXTS,
  patchTranslations,
  type TranslationMap,
  translationsOf,
} from './translations.js';
import { assertSkusFree, assertVariantValues, insertVariants } from './variants.service.js';

/** What the audit log keeps of a product: its own fields, texts, categories and attribute values. */
async function snapshot(tx: Tx, row: ProductRow, texts?: TranslationMap) {
  const {
    searchVector: _v,
    searchText: _t,
    sortName: _s,
    minPrice: _min,
    maxPrice: _max,
    inStock: _i,
    ...own
  } = row;
  const links = await tx.db
    .select({ id: productCategories.categoryId })
    .from(productCategories)
    .where(eq(productCategories.productId, row.id))
    .orderBy(asc(productCategories.position));
  return {
    ...own,
    translations: texts ?? (await translationsOf(tx, PRODUCT_TEXTS, [row.id])).get(row.id) ?? {},
    categoryIds: links.map((l) => l.id),
    attributes: await storedAttributeValues(tx, row.id),
  };
}

async function assertBrand(tx: Tx, brandId: string): Promise<void> {
  const [brand] = await tx.db.select({ id: brands.id }).from(brands).where(eq(brands.id, brandId)).limit(1);
  if (!brand) throw invalidField('catalog.invalid_reference', 'brandId', 'no such brand');
}

async function assertCategories(tx: Tx, categoryIds: readonly string[]): Promise<void> {
  if (categoryIds.length === 0) return;
  const found = await tx.db
    .select({ id: categories.id })
    .from(categories)
    .where(inArray(categories.id, [...categoryIds]));
  const known = new Set(found.map((f) => f.id));
  const problems = categoryIds.flatMap((id, i) =>
    known.has(id) ? [] : [{ field: `categoryIds/${i}`, message: 'no such category' }],
  );
  if (problems.length > 0) throw invalidFields('catalog.invalid_reference', 'Unknown categories.', problems);
}

async function assertExternalIdFree(tx: Tx, externalId: string, exceptId?: string): Promise<void> {
  const [other] = await tx.db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.externalId, externalId), ...(exceptId ? [ne(products.id, exceptId)] : [])))
    .limit(1);
  if (other) throw taken('catalog.external_id_taken', 'externalId', 'Another product has this external id.');
}

async function linkCategories(tx: Tx, productId: string, categoryIds: readonly string[]): Promise<void> {
  await tx.db.delete(productCategories).where(eq(productCategories.productId, productId));
  if (categoryIds.length === 0) return;
  await tx.db.insert(productCategories).values(
    categoryIds.map((categoryId, position) => ({
      tenantId: tx.ctx.tenantId!,
      productId,
      categoryId,
      position,
    })),
  );
}

/**
 * Creates a product with its texts, variants, categories, attribute values and images: all checked
 * before anything is written, all stored in the caller's one transaction.
 */
export async function createProduct(tx: Tx, input: ProductCreateBody): Promise<string> {
  const status = input.status ?? 'draft';
  const categoryIds = input.categoryIds ?? [];
  assertVariantValues(input.variants.map((variant, i) => ({ input: variant, prefix: `variants/${i}/` })));
  await assertSkusFree(
    tx,
    input.variants.map((v, i) => ({ sku: v.sku, field: `variants/${i}/sku` })),
  );
  if (input.brandId) await assertBrand(tx, input.brandId);
  await assertCategories(tx, categoryIds);
  if (input.externalId) await assertExternalIdFree(tx, input.externalId);
  const allowed = await attributesForCategories(tx, categoryIds);
  const values = await resolveAttributeValues(tx, input.attributes ?? [], allowed);
  checkRequiredAttributes(status, allowed, values);
  const images = [];
  for (const [i, image] of (input.images ?? []).entries()) {
    await publicImageFile(tx, image.fileId, `images/${i}/fileId`);
    if (image.variantSku !== undefined && !input.variants.some((v) => v.sku === image.variantSku)) {
      throw invalidField(
        'catalog.invalid_reference',
        `images/${i}/variantSku`,
        'is not the SKU of one of the variants',
      );
    }
    images.push(image);
  }

  const id = uuidv7();
  const [row] = await tx.db
    .insert(products)
    .values({
      tenantId: tx.ctx.tenantId!,
      id,
      status,
      brandId: input.brandId ?? null,
      taxRate: input.taxRate ?? '20',
      unit: input.unit ?? 'adet',
      minOrderQuantity: input.minOrderQuantity ?? '1',
      orderMultiple: input.orderMultiple ?? '1',
      externalId: input.externalId ?? null,
    })
    .returning();
  const texts = await insertTranslations(tx, PRODUCT_TEXTS, id, input.translations);
  await linkCategories(tx, id, categoryIds);
  await replaceAttributeValues(tx, id, values);
  const variants = await insertVariants(tx, id, input.variants);
  await insertImages(
    tx,
    id,
    images.map((image) => ({
      fileId: image.fileId,
      variantId:
        image.variantSku === undefined
          ? null
          : (variants.find((v) => v.sku === image.variantSku)?.id ?? null),
      alt: image.alt ?? {},
    })),
  );
  await audit(tx, {
    action: 'product.created',
    entityType: 'product',
    entityId: id,
    after: await snapshot(tx, row!, texts),
  });
  await productsChanged(tx, [id], 'created');
  return id;
}

/**
 * Changes a product. Lists given (categories, attribute values) replace the old ones; texts change per
 * locale. Attribute values are checked against the categories the product has after the change; values
 * of attributes its new categories do not use are dropped, and an active product must have every
 * required one.
 */
export async function updateProduct(tx: Tx, id: string, patch: ProductPatchBody): Promise<void> {
  const before = await lockLiveProduct(tx, id);
  const beforeSnapshot = await snapshot(tx, before);
  if (patch.brandId) await assertBrand(tx, patch.brandId);
  if (patch.categoryIds) await assertCategories(tx, patch.categoryIds);
  if (patch.externalId) await assertExternalIdFree(tx, patch.externalId, id);

  const status = patch.status ?? before.status;
  const categoryIds = patch.categoryIds ?? beforeSnapshot.categoryIds;
  const recheck =
    patch.attributes !== undefined || patch.categoryIds !== undefined || patch.status !== undefined;
  let values: AttributeValueRow[] | undefined;
  if (recheck) {
    const allowed = await attributesForCategories(tx, categoryIds);
    values =
      patch.attributes !== undefined
        ? await resolveAttributeValues(tx, patch.attributes, allowed)
        : beforeSnapshot.attributes.filter((v) => allowed.has(v.attributeId));
    checkRequiredAttributes(status, allowed, values);
  }

  const [after] = await tx.db
    .update(products)
    .set({
      status,
      ...(patch.brandId !== undefined ? { brandId: patch.brandId } : {}),
      ...(patch.taxRate !== undefined ? { taxRate: patch.taxRate } : {}),
      ...(patch.unit !== undefined ? { unit: patch.unit } : {}),
      ...(patch.minOrderQuantity !== undefined ? { minOrderQuantity: patch.minOrderQuantity } : {}),
      ...(patch.orderMultiple !== undefined ? { orderMultiple: patch.orderMultiple } : {}),
      ...(patch.externalId !== undefined ? { externalId: patch.externalId } : {}),
      updatedAt: new Date(),
    })
    .where(eq(products.id, id))
    .returning();
  if (patch.translations) {
    await patchTranslations(tx, PRODUCT_TEXTS, id, beforeSnapshot.translations, patch.translations);
  }
  if (patch.categoryIds) await linkCategories(tx, id, patch.categoryIds);
  if (values) await replaceAttributeValues(tx, id, values);
  await audit(tx, {
    action: 'product.updated',
    entityType: 'product',
    entityId: id,
    before: beforeSnapshot,
    after: await snapshot(tx, after!),
  });
  await productsChanged(tx, [id], 'updated');
}

/**
 * Soft-deletes a product: it answers 404 everywhere from now on, and what made it unique is given back
 * so a new product can use it — its variants are deleted too (SKUs are unique among live variants
 * only), its slugs are rewritten to `<slug>~<product id>` (a "~" can never appear in a valid slug, so
 * the old slug is free and the rewritten one is still readable), and its external id is cleared. The
 * audit entry keeps every original value.
 */
export async function deleteProduct(tx: Tx, id: string): Promise<void> {
  const before = await lockLiveProduct(tx, id);
  const beforeSnapshot = await snapshot(tx, before);
  const now = new Date();
  await tx.db
    .update(products)
    .set({ deletedAt: now, updatedAt: now, externalId: null })
    .where(eq(products.id, id));
  await tx.db
    .update(productTranslations)
    .set({ slug: sql`${productTranslations.slug} || '~' || ${id}` })
    .where(eq(productTranslations.productId, id));
  await tx.db
    .update(productVariants)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(eq(productVariants.productId, id), isNull(productVariants.deletedAt)));
  await audit(tx, { action: 'product.deleted', entityType: 'product', entityId: id, before: beforeSnapshot });
  await productsChanged(tx, [id], 'deleted');
}
