import { and, asc, count, eq, gt, inArray, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import { AppError } from '../../kernel/errors.js';
import { catalogEntityChanged, productsChanged } from './changes.js';
import type { AttributeCreateBody, AttributePatchBody, OptionInput, OptionPatchBody } from './contracts.js';
import { invalidField, notFound, taken } from './errors.js';
import { productPagesChanged } from './product-pages.js';
import {
  type AttributeOptionRow,
  type AttributeRow,
  attributeOptions,
  attributes,
  productAttributeValues,
} from './schema.js';
import { type LocaleChoice, pickText } from './texts.js';

export interface AttributeWithOptions extends AttributeRow {
  options: AttributeOptionRow[];
}

const hasOptions = (type: AttributeRow['type']) => type === 'enum' || type === 'multi_enum';

async function withOptions(tx: Tx, rows: AttributeRow[]): Promise<AttributeWithOptions[]> {
  if (rows.length === 0) return [];
  const options = await tx.db
    .select()
    .from(attributeOptions)
    .where(
      inArray(
        attributeOptions.attributeId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(attributeOptions.position), asc(attributeOptions.code));
  return rows.map((row) => ({ ...row, options: options.filter((o) => o.attributeId === row.id) }));
}

export async function getAttribute(tx: Tx, id: string): Promise<AttributeWithOptions> {
  const [row] = await tx.db.select().from(attributes).where(eq(attributes.id, id)).limit(1);
  if (!row) throw notFound('attribute');
  return (await withOptions(tx, [row]))[0]!;
}

/** Attributes in the order they were created, one page plus one row, with their options. */
export async function listAttributes(
  tx: Tx,
  query: { limit: number; after?: string | undefined },
): Promise<AttributeWithOptions[]> {
  const rows = await tx.db
    .select()
    .from(attributes)
    .where(query.after ? gt(attributes.id, query.after) : undefined)
    .orderBy(asc(attributes.id))
    .limit(query.limit + 1);
  return withOptions(tx, rows);
}

export function toAttributeView(row: AttributeWithOptions, choice: LocaleChoice) {
  return {
    id: row.id,
    code: row.code,
    type: row.type,
    name: pickText(row.names, choice),
    names: row.names,
    unit: row.unit,
    filterable: row.filterable,
    position: row.position,
    options: row.options.map((o) => ({
      id: o.id,
      code: o.code,
      label: pickText(o.labels, choice),
      labels: o.labels,
      position: o.position,
    })),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Creates an attribute; enum and multi_enum attributes may bring their options along. */
export async function createAttribute(tx: Tx, input: AttributeCreateBody): Promise<AttributeWithOptions> {
  const options = input.options ?? [];
  if (options.length > 0 && !hasOptions(input.type)) {
    throw invalidField('catalog.options_not_allowed', 'options', `a ${input.type} attribute has no options`);
  }
  const codes = new Set<string>();
  for (const [i, option] of options.entries()) {
    if (codes.has(option.code))
      throw taken(
        'catalog.code_taken',
        `options/${i}/code`,
        `The option code "${option.code}" is given twice.`,
      );
    codes.add(option.code);
  }
  const [row] = await tx.db
    .insert(attributes)
    .values({
      tenantId: tx.ctx.tenantId!,
      id: uuidv7(),
      code: input.code,
      type: input.type,
      names: input.names,
      unit: input.unit ?? null,
      filterable: input.filterable ?? false,
      position: input.position ?? 0,
    })
    .onConflictDoNothing({ target: [attributes.tenantId, attributes.code] })
    .returning();
  if (!row)
    throw taken('catalog.code_taken', 'code', `An attribute with the code "${input.code}" already exists.`);
  const optionRows =
    options.length === 0
      ? []
      : await tx.db
          .insert(attributeOptions)
          .values(options.map((option, i) => optionValues(tx, row.id, option, i)))
          .returning();
  const created = { ...row, options: optionRows };
  await audit(tx, { action: 'attribute.created', entityType: 'attribute', entityId: row.id, after: created });
  await catalogEntityChanged(tx, 'attribute', row.id, 'created');
  return created;
}

function optionValues(tx: Tx, attributeId: string, option: OptionInput, position: number) {
  return {
    tenantId: tx.ctx.tenantId!,
    id: uuidv7(),
    attributeId,
    code: option.code,
    labels: option.labels,
    position: option.position ?? position,
  };
}

export async function updateAttribute(
  tx: Tx,
  id: string,
  patch: AttributePatchBody,
): Promise<AttributeWithOptions> {
  const [before] = await tx.db.select().from(attributes).where(eq(attributes.id, id)).for('update').limit(1);
  if (!before) throw notFound('attribute');
  const [after] = await tx.db
    .update(attributes)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(attributes.id, id))
    .returning();
  await audit(tx, { action: 'attribute.updated', entityType: 'attribute', entityId: id, before, after });
  await catalogEntityChanged(tx, 'attribute', id, 'updated');
  // Names, unit and order show on the pages of products that have a value of it.
  await productPagesChanged(tx, await productsWithValue(tx, eq(productAttributeValues.attributeId, id)));
  return (await withOptions(tx, [after!]))[0]!;
}

/** Deletes an attribute, its options, its place in categories and every product's value of it. */
export async function deleteAttribute(tx: Tx, id: string): Promise<void> {
  const before = await getAttribute(tx, id);
  const productIds = await productsWithValue(tx, eq(productAttributeValues.attributeId, id));
  await tx.db.delete(attributes).where(eq(attributes.id, id));
  await audit(tx, { action: 'attribute.deleted', entityType: 'attribute', entityId: id, before });
  await catalogEntityChanged(tx, 'attribute', id, 'deleted');
  await productsChanged(tx, productIds, 'updated');
}

async function lockedOptionAttribute(tx: Tx, id: string): Promise<AttributeRow> {
  const [row] = await tx.db.select().from(attributes).where(eq(attributes.id, id)).for('update').limit(1);
  if (!row) throw notFound('attribute');
  if (!hasOptions(row.type)) {
    throw new AppError('catalog.options_not_allowed', 409, `A ${row.type} attribute has no options.`);
  }
  return row;
}

async function optionOf(tx: Tx, attributeId: string, optionId: string): Promise<AttributeOptionRow> {
  const [row] = await tx.db
    .select()
    .from(attributeOptions)
    .where(and(eq(attributeOptions.id, optionId), eq(attributeOptions.attributeId, attributeId)))
    .limit(1);
  if (!row) throw notFound('attribute_option');
  return row;
}

/** Adds an option to an enum or multi_enum attribute; it goes last unless a position is given. */
export async function addOption(
  tx: Tx,
  attributeId: string,
  input: OptionInput,
): Promise<AttributeOptionRow> {
  await lockedOptionAttribute(tx, attributeId);
  const [existing] = await tx.db
    .select({ n: count() })
    .from(attributeOptions)
    .where(eq(attributeOptions.attributeId, attributeId));
  const [row] = await tx.db
    .insert(attributeOptions)
    .values(optionValues(tx, attributeId, input, existing?.n ?? 0))
    .onConflictDoNothing({ target: [attributeOptions.attributeId, attributeOptions.code] })
    .returning();
  if (!row)
    throw taken('catalog.code_taken', 'code', `This attribute already has an option "${input.code}".`);
  await audit(tx, {
    action: 'attribute.option_created',
    entityType: 'attribute',
    entityId: attributeId,
    after: row,
  });
  await catalogEntityChanged(tx, 'attribute', attributeId, 'updated');
  return row;
}

/** Changes an option's labels or position; its code stays (values and filters in URLs use it). */
export async function updateOption(
  tx: Tx,
  attributeId: string,
  optionId: string,
  patch: OptionPatchBody,
): Promise<AttributeOptionRow> {
  await lockedOptionAttribute(tx, attributeId);
  const before = await optionOf(tx, attributeId, optionId);
  const [after] = await tx.db
    .update(attributeOptions)
    .set(patch)
    .where(eq(attributeOptions.id, optionId))
    .returning();
  await audit(tx, {
    action: 'attribute.option_updated',
    entityType: 'attribute',
    entityId: attributeId,
    before,
    after,
  });
  // Products are not re-announced one by one: labels are not part of their search documents, and
  // subscribers that show labels learn of the change from this event. Their stored pages show labels.
  await catalogEntityChanged(tx, 'attribute', attributeId, 'updated');
  await productPagesChanged(tx, await productsWithValue(tx, eq(productAttributeValues.optionId, optionId)));
  return after!;
}

/** Deletes an option; products that had chosen it lose that choice. */
export async function deleteOption(tx: Tx, attributeId: string, optionId: string): Promise<void> {
  await lockedOptionAttribute(tx, attributeId);
  const before = await optionOf(tx, attributeId, optionId);
  const productIds = await productsWithValue(tx, eq(productAttributeValues.optionId, optionId));
  await tx.db.delete(attributeOptions).where(eq(attributeOptions.id, optionId));
  await audit(tx, {
    action: 'attribute.option_deleted',
    entityType: 'attribute',
    entityId: attributeId,
    before,
  });
  await catalogEntityChanged(tx, 'attribute', attributeId, 'updated');
  await productsChanged(tx, productIds, 'updated');
}

async function productsWithValue(tx: Tx, where: SQL): Promise<string[]> {
  const rows = await tx.db
    .selectDistinct({ id: productAttributeValues.productId })
    .from(productAttributeValues)
    .where(where);
  return rows.map((r) => r.id);
}
