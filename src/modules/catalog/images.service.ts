import { and, asc, eq, isNull } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError } from '../../kernel/errors.js';
import { type FileRow, files } from '../files/index.js';
import { productsChanged } from './changes.js';
import type { ImageCreateBody, ImagePatchBody } from './contracts.js';
import { invalidField, notFound } from './errors.js';
import { lockLiveProduct } from './product-rows.js';
import { type ProductImageRow, productImages } from './schema.js';
import { findLiveVariant } from './variants.service.js';

/** Enough for any product page; keeps reorder requests and product responses bounded. */
export const MAX_IMAGES_PER_PRODUCT = 100;

/**
 * The uploaded file `fileId` if it can be shown in the catalog: it exists in this tenant, is not
 * deleted, was uploaded as an image, is public (catalog pages are read by guests) and did not fail
 * processing. Anything else is a 400 naming `field`.
 */
export async function publicImageFile(tx: Tx, fileId: string, field: string): Promise<FileRow> {
  const [file] = await tx.db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), isNull(files.deletedAt)))
    .limit(1);
  const problem = !file
    ? 'no such file'
    : file.purpose !== 'image'
      ? 'is not an image upload'
      : file.visibility !== 'public'
        ? 'is a private file; catalog images must be public'
        : file.status === 'failed'
          ? 'could not be processed as an image'
          : undefined;
  if (problem) throw invalidField('catalog.invalid_image', field, problem);
  return file!;
}

/** 400 unless `variantId` is a live variant of the product. */
async function assertVariantOf(tx: Tx, productId: string, variantId: string, field: string): Promise<void> {
  if (!(await findLiveVariant(tx, productId, variantId)))
    throw invalidField('catalog.invalid_reference', field, 'is not a variant of this product');
}

async function imagesOf(tx: Tx, productId: string): Promise<ProductImageRow[]> {
  return tx.db
    .select()
    .from(productImages)
    .where(eq(productImages.productId, productId))
    .orderBy(asc(productImages.position), asc(productImages.id));
}

/** Writes positions 0…n-1 in the given order, touching only rows whose position changes. */
async function renumber(tx: Tx, ordered: readonly ProductImageRow[]): Promise<void> {
  for (const [position, image] of ordered.entries()) {
    if (image.position !== position) {
      await tx.db.update(productImages).set({ position }).where(eq(productImages.id, image.id));
    }
  }
}

/** Inserts images of a product being created, in the given order. */
export async function insertImages(
  tx: Tx,
  productId: string,
  images: readonly { fileId: string; variantId: string | null; alt: Record<string, string> }[],
): Promise<void> {
  if (images.length === 0) return;
  const rows = await tx.db
    .insert(productImages)
    .values(
      images.map((image, position) => ({
        tenantId: tx.ctx.tenantId!,
        id: uuidv7(),
        productId,
        variantId: image.variantId,
        fileId: image.fileId,
        alt: image.alt,
        position,
      })),
    )
    .returning();
  for (const row of rows) {
    await audit(tx, {
      action: 'product_image.created',
      entityType: 'product_image',
      entityId: row.id,
      after: row,
    });
  }
}

/** Adds an image at `position` (default: last); the images after it move down one place. */
export async function addImage(tx: Tx, productId: string, input: ImageCreateBody): Promise<ProductImageRow> {
  await lockLiveProduct(tx, productId);
  await publicImageFile(tx, input.fileId, 'fileId');
  if (input.variantId) await assertVariantOf(tx, productId, input.variantId, 'variantId');
  const existing = await imagesOf(tx, productId);
  if (existing.length >= MAX_IMAGES_PER_PRODUCT) {
    throw new AppError(
      'catalog.too_many_images',
      409,
      `A product has at most ${MAX_IMAGES_PER_PRODUCT} images; delete one first.`,
    );
  }
  const position = Math.min(input.position ?? existing.length, existing.length);
  const [row] = await tx.db
    .insert(productImages)
    .values({
      tenantId: tx.ctx.tenantId!,
      id: uuidv7(),
      productId,
      fileId: input.fileId,
      variantId: input.variantId ?? null,
      alt: input.alt ?? {},
      position,
    })
    .returning();
  const ordered = [...existing];
  ordered.splice(position, 0, row!);
  await renumber(tx, ordered);
  await audit(tx, {
    action: 'product_image.created',
    entityType: 'product_image',
    entityId: row!.id,
    after: row,
  });
  await productsChanged(tx, [productId], 'updated');
  return { ...row!, position };
}

async function imageOf(tx: Tx, productId: string, imageId: string): Promise<ProductImageRow> {
  const [image] = await tx.db
    .select()
    .from(productImages)
    .where(and(eq(productImages.id, imageId), eq(productImages.productId, productId)))
    .limit(1);
  if (!image) throw notFound('product_image');
  return image;
}

/** Changes an image's alt texts, its variant, or its place among the product's images. */
export async function updateImage(
  tx: Tx,
  productId: string,
  imageId: string,
  patch: ImagePatchBody,
): Promise<ProductImageRow> {
  await lockLiveProduct(tx, productId);
  const before = await imageOf(tx, productId, imageId);
  if (patch.variantId) await assertVariantOf(tx, productId, patch.variantId, 'variantId');
  const columns = {
    ...(patch.alt !== undefined ? { alt: patch.alt } : {}),
    ...(patch.variantId !== undefined ? { variantId: patch.variantId } : {}),
  };
  // A move alone changes no column of the row itself: the renumbering below places it.
  const [after] =
    Object.keys(columns).length === 0
      ? [before]
      : await tx.db.update(productImages).set(columns).where(eq(productImages.id, imageId)).returning();
  let position = before.position;
  if (patch.position !== undefined) {
    const others = (await imagesOf(tx, productId)).filter((image) => image.id !== imageId);
    position = Math.min(patch.position, others.length);
    others.splice(position, 0, { ...after!, position: -1 });
    await renumber(tx, others);
  }
  const result = { ...after!, position };
  await audit(tx, {
    action: 'product_image.updated',
    entityType: 'product_image',
    entityId: imageId,
    before,
    after: result,
  });
  await productsChanged(tx, [productId], 'updated');
  return result;
}

export async function deleteImage(tx: Tx, productId: string, imageId: string): Promise<void> {
  await lockLiveProduct(tx, productId);
  const before = await imageOf(tx, productId, imageId);
  await tx.db.delete(productImages).where(eq(productImages.id, imageId));
  await renumber(tx, await imagesOf(tx, productId));
  await audit(tx, {
    action: 'product_image.deleted',
    entityType: 'product_image',
    entityId: imageId,
    before,
  });
  await productsChanged(tx, [productId], 'updated');
}

/** Puts the product's images in the given order, which must name each of them exactly once. */
export async function reorderImages(tx: Tx, productId: string, imageIds: readonly string[]): Promise<void> {
  await lockLiveProduct(tx, productId);
  const images = await imagesOf(tx, productId);
  const byId = new Map(images.map((image) => [image.id, image]));
  const complete = imageIds.length === images.length && imageIds.every((id) => byId.has(id));
  if (!complete) {
    throw invalidField(
      'catalog.invalid_image_order',
      'imageIds',
      `must list each of the product's ${images.length} images exactly once`,
    );
  }
  await renumber(
    tx,
    imageIds.map((id) => byId.get(id)!),
  );
  await audit(tx, {
    action: 'product.images_reordered',
    entityType: 'product',
    entityId: productId,
    before: images.map((image) => image.id),
    after: imageIds,
  });
  await productsChanged(tx, [productId], 'updated');
}
