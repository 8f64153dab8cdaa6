import { and, asc, count, eq, inArray, isNull, max, ne } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError, type FieldProblem } from '../../kernel/errors.js';
import { isValidEan13 } from './barcodes.js';
import { productsChanged } from './changes.js';
import type { VariantInput, VariantPatch } from './contracts.js';
import { invalidFields, notFound, taken } from './errors.js';
import { lockLiveProduct } from './product-rows.js';
import { productImages, productVariants, type VariantRow } from './schema.js';

// ISO 4217 as the runtime knows it (Node ships full ICU): a typo such as "TRL" or "EUD" is a 400.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Values the schema cannot check: the barcode's check digit and that the currency exists. */
function checkVariantValues(input: VariantPatch, prefix: string): Omit<FieldProblem, 'in'>[] {
  const problems: Omit<FieldProblem, 'in'>[] = [];
  if (typeof input.barcode === 'string' && !isValidEan13(input.barcode)) {
    problems.push({ field: `${prefix}barcode`, message: 'is not a valid EAN-13 (check digit)' });
  }
  if (input.currency !== undefined && !CURRENCIES.has(input.currency)) {
    problems.push({ field: `${prefix}currency`, message: 'is not an ISO 4217 currency code' });
  }
  return problems;
}

/** 400 naming every variant value the schema could not judge (see checkVariantValues). */
export function assertVariantValues(inputs: { input: VariantPatch; prefix: string }[]): void {
  const problems = inputs.flatMap(({ input, prefix }) => checkVariantValues(input, prefix));
  if (problems.length === 0) return;
  const barcode = problems.some((p) => p.field.endsWith('barcode'));
  throw invalidFields(
    barcode ? 'catalog.invalid_barcode' : 'catalog.invalid_currency',
    problems.map((p) => `${p.field} ${p.message}`).join('; '),
    problems,
  );
}

/**
 * 409 when a SKU is used by another live variant (of any product) or twice in the same request.
 * `exceptVariantId` is the variant being edited, which may keep its own SKU.
 */
export async function assertSkusFree(
  tx: Tx,
  skus: { sku: string; field: string }[],
  exceptVariantId?: string,
): Promise<void> {
  const first = new Map<string, string>();
  for (const { sku, field } of skus) {
    const earlier = first.get(sku);
    if (earlier) throw taken('catalog.sku_taken', field, `The SKU "${sku}" is also given at ${earlier}.`);
    first.set(sku, field);
  }
  if (skus.length === 0) return;
  const [used] = await tx.db
    .select({ sku: productVariants.sku })
    .from(productVariants)
    .where(
      and(
        inArray(
          productVariants.sku,
          skus.map((s) => s.sku),
        ),
        isNull(productVariants.deletedAt),
        ...(exceptVariantId ? [ne(productVariants.id, exceptVariantId)] : []),
      ),
    )
    .limit(1);
  if (used) {
    throw taken(
      'catalog.sku_taken',
      first.get(used.sku)!,
      `Another variant already has the SKU "${used.sku}".`,
    );
  }
}

function variantValues(input: VariantInput, position: number) {
  return {
    sku: input.sku,
    barcode: input.barcode ?? null,
    optionValues: input.optionValues ?? {},
    weightGrams: input.weightGrams ?? null,
    lengthMm: input.lengthMm ?? null,
    widthMm: input.widthMm ?? null,
    heightMm: input.heightMm ?? null,
    basePrice: input.basePrice,
    currency: input.currency ?? 'TRY',
    status: input.status ?? 'active',
    stockQuantity: input.stockQuantity ?? '0',
    position: input.position ?? position,
    externalId: input.externalId ?? null,
  };
}

/**
 * Stores variants of a product being created (checked by the caller with assertVariantValues and
 * assertSkusFree); positions default to their order in the request.
 */
export async function insertVariants(
  tx: Tx,
  productId: string,
  inputs: readonly VariantInput[],
): Promise<VariantRow[]> {
  const rows = await tx.db
    .insert(productVariants)
    .values(
      inputs.map((input, i) => ({
        tenantId: tx.ctx.tenantId!,
        id: uuidv7(),
        productId,
        ...variantValues(input, i),
      })),
    )
    .returning();
  for (const row of rows) {
    await audit(tx, { action: 'variant.created', entityType: 'variant', entityId: row.id, after: row });
  }
  return rows;
}

/** The product's live variant with this id, if there is one. */
export async function findLiveVariant(
  tx: Tx,
  productId: string,
  variantId: string,
): Promise<VariantRow | undefined> {
  const [row] = await tx.db
    .select()
    .from(productVariants)
    .where(
      and(
        eq(productVariants.id, variantId),
        eq(productVariants.productId, productId),
        isNull(productVariants.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function liveVariant(tx: Tx, productId: string, variantId: string): Promise<VariantRow> {
  const row = await findLiveVariant(tx, productId, variantId);
  if (!row) throw notFound('variant');
  return row;
}

export async function liveVariantsOf(tx: Tx, productId: string): Promise<VariantRow[]> {
  return tx.db
    .select()
    .from(productVariants)
    .where(and(eq(productVariants.productId, productId), isNull(productVariants.deletedAt)))
    .orderBy(asc(productVariants.position), asc(productVariants.id));
}

/** Adds a variant to a product; it goes last unless a position is given. */
export async function addVariant(tx: Tx, productId: string, input: VariantInput): Promise<VariantRow> {
  await lockLiveProduct(tx, productId);
  assertVariantValues([{ input, prefix: '' }]);
  await assertSkusFree(tx, [{ sku: input.sku, field: 'sku' }]);
  const [last] = await tx.db
    .select({ position: max(productVariants.position) })
    .from(productVariants)
    .where(and(eq(productVariants.productId, productId), isNull(productVariants.deletedAt)));
  const [row] = await insertVariants(tx, productId, [
    { ...input, position: input.position ?? (last?.position ?? -1) + 1 },
  ]);
  await productsChanged(tx, [productId], 'updated');
  return row!;
}

export async function updateVariant(
  tx: Tx,
  productId: string,
  variantId: string,
  patch: VariantPatch,
): Promise<VariantRow> {
  await lockLiveProduct(tx, productId);
  const before = await liveVariant(tx, productId, variantId);
  assertVariantValues([{ input: patch, prefix: '' }]);
  if (patch.sku !== undefined && patch.sku !== before.sku) {
    await assertSkusFree(tx, [{ sku: patch.sku, field: 'sku' }], variantId);
  }
  const [after] = await tx.db
    .update(productVariants)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(productVariants.id, variantId))
    .returning();
  await audit(tx, { action: 'variant.updated', entityType: 'variant', entityId: variantId, before, after });
  await productsChanged(tx, [productId], 'updated');
  return after!;
}

/**
 * Soft-deletes a variant: its SKU is free again at once (SKUs are unique among live variants only),
 * and its own images go with it. A product keeps at least one variant.
 */
export async function deleteVariant(tx: Tx, productId: string, variantId: string): Promise<void> {
  await lockLiveProduct(tx, productId);
  const before = await liveVariant(tx, productId, variantId);
  const [live] = await tx.db
    .select({ n: count() })
    .from(productVariants)
    .where(and(eq(productVariants.productId, productId), isNull(productVariants.deletedAt)));
  if ((live?.n ?? 0) <= 1) {
    throw new AppError(
      'catalog.last_variant',
      409,
      'A product has at least one variant; delete the product, or add another variant first.',
    );
  }
  await tx.db
    .update(productVariants)
    .set({ deletedAt: new Date(), updatedAt: new Date() })
    .where(eq(productVariants.id, variantId));
  const images = await tx.db
    .delete(productImages)
    .where(and(eq(productImages.productId, productId), eq(productImages.variantId, variantId)))
    .returning();
  for (const image of images) {
    await audit(tx, {
      action: 'product_image.deleted',
      entityType: 'product_image',
      entityId: image.id,
      before: image,
    });
  }
  await audit(tx, { action: 'variant.deleted', entityType: 'variant', entityId: variantId, before });
  await productsChanged(tx, [productId], 'updated');
}
