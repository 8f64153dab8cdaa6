import { asc, eq, inArray, or } from 'drizzle-orm';
import type { Tx } from '../../db/tx.js';
import type { FieldProblem } from '../../kernel/errors.js';
import type { AttributeValueInput } from './contracts.js';
import { invalidFields } from './errors.js';
import {
  type AttributeOptionRow,
  type AttributeRow,
  attributeOptions,
  attributes,
  categories,
  categoryAttributes,
  type ProductStatus,
  productAttributeValues,
} from './schema.js';

export const MAX_TEXT_VALUE_LENGTH = 500;

/** An attribute a product may carry, because one of its categories (or their ancestors) uses it. */
export interface AllowedAttribute {
  attribute: AttributeRow;
  required: boolean;
  options: AttributeOptionRow[];
}

/** One stored value (a multi_enum value is one row per chosen option). */
export interface AttributeValueRow {
  attributeId: string;
  optionId: string | null;
  valueText: string | null;
  valueNumber: string | null;
  valueBoolean: boolean | null;
}

type Problem = Omit<FieldProblem, 'in'>;

/** The attributes of these categories and of all their ancestors, by attribute id. */
export async function attributesForCategories(
  tx: Tx,
  categoryIds: readonly string[],
): Promise<Map<string, AllowedAttribute>> {
  const allowed = new Map<string, AllowedAttribute>();
  if (categoryIds.length === 0) return allowed;
  const found = await tx.db
    .select({ id: categories.id, ancestorIds: categories.ancestorIds })
    .from(categories)
    .where(inArray(categories.id, [...categoryIds]));
  const path = [...new Set(found.flatMap((c) => [c.id, ...c.ancestorIds]))];
  if (path.length === 0) return allowed;
  const rows = await tx.db
    .select({ attribute: attributes, required: categoryAttributes.required })
    .from(categoryAttributes)
    .innerJoin(attributes, eq(attributes.id, categoryAttributes.attributeId))
    .where(inArray(categoryAttributes.categoryId, path));
  for (const row of rows) {
    const known = allowed.get(row.attribute.id);
    // Required anywhere on the path is required: a subcategory cannot relax its parent's rule.
    if (known) known.required ||= row.required;
    else allowed.set(row.attribute.id, { attribute: row.attribute, required: row.required, options: [] });
  }
  if (allowed.size > 0) {
    const options = await tx.db
      .select()
      .from(attributeOptions)
      .where(inArray(attributeOptions.attributeId, [...allowed.keys()]))
      .orderBy(asc(attributeOptions.position), asc(attributeOptions.code));
    for (const option of options) allowed.get(option.attributeId)?.options.push(option);
  }
  return allowed;
}

/** Why `value` does not fit `definition`, or the rows to store for it. */
function rowsFor(definition: AllowedAttribute, value: unknown): string | AttributeValueRow[] {
  const { attribute, options } = definition;
  const row = {
    attributeId: attribute.id,
    optionId: null,
    valueText: null,
    valueNumber: null,
    valueBoolean: null,
  };
  const option = (code: unknown) =>
    typeof code === 'string' ? options.find((o) => o.code === code) : undefined;
  switch (attribute.type) {
    case 'text':
      if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
      if (value.length > MAX_TEXT_VALUE_LENGTH) return `must be at most ${MAX_TEXT_VALUE_LENGTH} characters`;
      if (value.includes('\u0000')) return 'must not contain NUL characters';
      return [{ ...row, valueText: value }];
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      return [{ ...row, valueNumber: String(value) }];
    case 'boolean':
      if (typeof value !== 'boolean') return 'must be true or false';
      return [{ ...row, valueBoolean: value }];
    case 'enum': {
      const chosen = option(value);
      if (!chosen) return `must be one of the option codes: ${options.map((o) => o.code).join(', ')}`;
      return [{ ...row, optionId: chosen.id }];
    }
    case 'multi_enum': {
      if (!Array.isArray(value) || value.length === 0) return 'must be a non-empty array of option codes';
      const chosen = value.map(option);
      if (chosen.some((o) => o === undefined)) {
        return `every item must be one of the option codes: ${options.map((o) => o.code).join(', ')}`;
      }
      if (new Set(value).size !== value.length) return 'must not repeat an option';
      return chosen.map((o) => ({ ...row, optionId: o!.id }));
    }
  }
}

/**
 * Checks each given value against its attribute's definition and turns them into rows. Every problem
 * is reported at once, named by its place in the body (`attributes/2/value`).
 */
export async function resolveAttributeValues(
  tx: Tx,
  inputs: readonly AttributeValueInput[],
  allowed: Map<string, AllowedAttribute>,
): Promise<AttributeValueRow[]> {
  const problems: Problem[] = [];
  const rows: AttributeValueRow[] = [];
  const byCode = new Map([...allowed.values()].map((a) => [a.attribute.code, a]));
  const seen = new Set<string>();
  let unknown: Map<string, AttributeRow> | undefined;

  for (const [i, input] of inputs.entries()) {
    const field = `attributes/${i}`;
    if ((input.attributeId === undefined) === (input.code === undefined)) {
      problems.push({ field, message: 'give exactly one of attributeId and code' });
      continue;
    }
    const definition =
      input.attributeId !== undefined ? allowed.get(input.attributeId) : byCode.get(input.code!);
    const keyField = input.attributeId !== undefined ? `${field}/attributeId` : `${field}/code`;
    if (!definition) {
      // Tell an attribute that exists but does not belong to the categories from one that does not exist.
      unknown ??= await knownAttributes(tx, inputs);
      const exists =
        input.attributeId !== undefined ? unknown.get(input.attributeId) : unknown.get(input.code!);
      problems.push({
        field: keyField,
        message: exists
          ? `"${exists.code}" is not an attribute of the product's categories`
          : 'no such attribute',
      });
      continue;
    }
    if (seen.has(definition.attribute.id)) {
      problems.push({ field: keyField, message: `"${definition.attribute.code}" is given twice` });
      continue;
    }
    seen.add(definition.attribute.id);
    if (input.value === null || input.value === undefined) {
      problems.push({
        field: `${field}/value`,
        message: 'is required (leave the attribute out to leave it empty)',
      });
      continue;
    }
    const result = rowsFor(definition, input.value);
    if (typeof result === 'string') {
      problems.push({
        field: `${field}/value`,
        message: `"${definition.attribute.code}" (${definition.attribute.type}) ${result}`,
      });
    } else {
      rows.push(...result);
    }
  }
  if (problems.length > 0) {
    throw invalidFields(
      'catalog.invalid_attribute_value',
      `${problems.length} attribute value${problems.length === 1 ? ' is' : 's are'} invalid.`,
      problems,
    );
  }
  return rows;
}

/** Attributes named by the inputs, by id and by code (whatever categories they belong to). */
async function knownAttributes(
  tx: Tx,
  inputs: readonly AttributeValueInput[],
): Promise<Map<string, AttributeRow>> {
  const ids = inputs.flatMap((i) => (i.attributeId ? [i.attributeId] : []));
  const codes = inputs.flatMap((i) => (i.code ? [i.code] : []));
  const conditions = [
    ...(ids.length > 0 ? [inArray(attributes.id, ids)] : []),
    ...(codes.length > 0 ? [inArray(attributes.code, codes)] : []),
  ];
  const rows =
    conditions.length > 0
      ? await tx.db
          .select()
          .from(attributes)
          .where(or(...conditions))
      : [];
  return new Map(rows.flatMap((row) => [[row.id, row] as const, [row.code, row] as const]));
}

/**
 * An active product must have every attribute its categories require; drafts may be incomplete while
 * they are being filled in.
 */
export function checkRequiredAttributes(
  status: ProductStatus,
  allowed: Map<string, AllowedAttribute>,
  rows: readonly AttributeValueRow[],
): void {
  if (status !== 'active') return;
  const present = new Set(rows.map((r) => r.attributeId));
  const missing = [...allowed.values()].filter((a) => a.required && !present.has(a.attribute.id));
  if (missing.length === 0) return;
  throw invalidFields(
    'catalog.missing_required_attributes',
    `An active product needs the attribute${missing.length === 1 ? '' : 's'} ${missing
      .map((a) => `"${a.attribute.code}"`)
      .join(', ')} of its categories.`,
    missing.map((a) => ({
      field: 'attributes',
      message: `"${a.attribute.code}" is required by the product's categories`,
    })),
  );
}

export async function storedAttributeValues(tx: Tx, productId: string): Promise<AttributeValueRow[]> {
  return tx.db
    .select({
      attributeId: productAttributeValues.attributeId,
      optionId: productAttributeValues.optionId,
      valueText: productAttributeValues.valueText,
      valueNumber: productAttributeValues.valueNumber,
      valueBoolean: productAttributeValues.valueBoolean,
    })
    .from(productAttributeValues)
    .where(eq(productAttributeValues.productId, productId));
}

/** Replaces all of a product's attribute values. */
export async function replaceAttributeValues(
  tx: Tx,
  productId: string,
  rows: readonly AttributeValueRow[],
): Promise<void> {
  await tx.db.delete(productAttributeValues).where(eq(productAttributeValues.productId, productId));
  if (rows.length === 0) return;
  await tx.db
    .insert(productAttributeValues)
    .values(rows.map((row) => ({ ...row, tenantId: tx.ctx.tenantId!, productId })));
}
