import { type Tx, withTx } from '../../db/tx.js';
import type { RequestContext } from '../../kernel/context.js';
import { defineErrors } from '../../kernel/error-registry.js';
import { AppError, type FieldProblem } from '../../kernel/errors.js';

/** Every code the catalog answers; the helpers below take only these. */
export const catalogErrors = defineErrors('Catalog', {
  'catalog.invalid_barcode': {
    status: 400,
    meaning: 'A barcode is not a valid EAN-13 (its check digit is wrong); `errors` names each.',
  },
  'catalog.invalid_currency': {
    status: 400,
    meaning: 'A price currency is not an ISO 4217 code; `errors` names each.',
  },
  'catalog.invalid_attribute_value': {
    status: 400,
    meaning:
      "Attribute values that are unknown, not of the product's categories, given twice, or of the wrong type; `errors` names each.",
  },
  'catalog.missing_required_attributes': {
    status: 400,
    meaning: 'An active product lacks attributes its categories require (drafts may be incomplete).',
  },
  'catalog.invalid_reference': {
    status: 400,
    meaning:
      'The body names a brand, category, attribute, parent or variant that does not exist in the tenant.',
  },
  'catalog.invalid_image': {
    status: 400,
    meaning: 'The file given as a product image is not a ready, public image upload of this tenant.',
  },
  'catalog.invalid_image_order': {
    status: 400,
    meaning: "A new image order must name each of the product's images exactly once.",
  },
  'catalog.name_required': {
    status: 400,
    meaning: 'A translation into a new locale needs a name.',
  },
  'catalog.last_locale': {
    status: 400,
    meaning: 'The last locale of a product or category cannot be removed.',
  },
  'catalog.options_not_allowed': {
    status: [400, 409],
    meaning:
      'Only enum attributes have options: 400 when creating another type with options, 409 when adding an option to one.',
  },
  'catalog.product_not_found': {
    status: 404,
    meaning: 'No such product in the tenant: unknown, deleted, or not shown to this caller (not active).',
  },
  'catalog.variant_not_found': { status: 404, meaning: 'No such variant of the product.' },
  'catalog.image_not_found': { status: 404, meaning: 'No such image of the product.' },
  'catalog.category_not_found': { status: 404, meaning: 'No such category in the tenant.' },
  'catalog.brand_not_found': { status: 404, meaning: 'No such brand in the tenant.' },
  'catalog.attribute_not_found': { status: 404, meaning: 'No such attribute in the tenant.' },
  'catalog.attribute_option_not_found': { status: 404, meaning: 'No such option of the attribute.' },
  'catalog.import_not_found': { status: 404, meaning: 'No such CSV import in the tenant.' },
  'catalog.slug_taken': {
    status: 409,
    meaning: 'Another product, category or brand uses this slug (in this locale); `field` names it.',
  },
  'catalog.sku_taken': {
    status: 409,
    meaning: 'A SKU is used by another variant, or given twice in the request; `field` names it.',
  },
  'catalog.external_id_taken': {
    status: 409,
    meaning: 'Another product, category or brand has this external id (`field` is `externalId`).',
  },
  'catalog.code_taken': {
    status: 409,
    meaning: 'Another attribute, or another option of the attribute, has this code; `field` names it.',
  },
  'catalog.category_cycle': {
    status: 409,
    meaning: 'A category cannot be moved under itself or one of its descendants.',
  },
  'catalog.category_has_children': {
    status: 409,
    meaning: 'A category with subcategories cannot be deleted: move or delete them first.',
  },
  'catalog.last_variant': {
    status: 409,
    meaning: "A product's last variant cannot be deleted: delete the product, or add another variant first.",
  },
  'catalog.too_many_images': {
    status: 409,
    meaning: 'The product already has the most images it may have (100): delete one first.',
  },
  'catalog.not_an_import_file': {
    status: 409,
    meaning: 'The file to import was not uploaded with the purpose `import`, or is not ready to be read yet.',
  },
  'catalog.concurrent_change': {
    status: 409,
    meaning: 'Another request changed the same data at the same moment: try again.',
  },
});

type CatalogCode = keyof typeof catalogErrors.codes;

export type CatalogEntity =
  | 'product'
  | 'variant'
  | 'category'
  | 'brand'
  | 'attribute'
  | 'attribute_option'
  | 'product_image';

const NOT_FOUND_CODES: Record<CatalogEntity, CatalogCode> = {
  product: 'catalog.product_not_found',
  variant: 'catalog.variant_not_found',
  category: 'catalog.category_not_found',
  brand: 'catalog.brand_not_found',
  attribute: 'catalog.attribute_not_found',
  attribute_option: 'catalog.attribute_option_not_found',
  product_image: 'catalog.image_not_found',
};

/** 404 for an id in the path that does not exist in this tenant (or is deleted, or is not shown). */
export function notFound(entity: CatalogEntity): AppError {
  return new AppError(NOT_FOUND_CODES[entity], 404, `No such ${entity.replace('_', ' ')}.`);
}

/** 400 listing each bad field of the body under one code. */
export function invalidFields(
  code: CatalogCode,
  detail: string,
  errors: Omit<FieldProblem, 'in'>[],
): AppError {
  return new AppError(code, 400, detail, { errors: errors.map((e) => ({ in: 'body', ...e })) });
}

/** 400 for one bad field of the body. */
export function invalidField(code: CatalogCode, field: string, message: string): AppError {
  return invalidFields(code, `${field}: ${message}`, [{ field, message }]);
}

/** 409 for a value that must be unique and is already used; `field` says which part of the body. */
export function taken(code: CatalogCode, field: string, detail: string): AppError {
  return new AppError(code, 409, detail, { field });
}

// Unique indexes whose violation a pre-check should have caught; when two requests race past the
// check, the database decides and the loser gets the same 409 as if it had come second.
const UNIQUE_VIOLATIONS: Record<string, { code: CatalogCode; field: string; detail: string }> = {
  product_translations_slug_key: {
    code: 'catalog.slug_taken',
    field: 'slug',
    detail: 'Another product uses this slug in this language.',
  },
  category_translations_slug_key: {
    code: 'catalog.slug_taken',
    field: 'slug',
    detail: 'Another category uses this slug in this language.',
  },
  brands_tenant_slug_key: {
    code: 'catalog.slug_taken',
    field: 'slug',
    detail: 'Another brand uses this slug.',
  },
  product_variants_sku_key: {
    code: 'catalog.sku_taken',
    field: 'sku',
    detail: 'Another variant uses this SKU.',
  },
  products_tenant_external_key: {
    code: 'catalog.external_id_taken',
    field: 'externalId',
    detail: 'Another product has this external id.',
  },
  categories_tenant_external_key: {
    code: 'catalog.external_id_taken',
    field: 'externalId',
    detail: 'Another category has this external id.',
  },
  brands_tenant_external_key: {
    code: 'catalog.external_id_taken',
    field: 'externalId',
    detail: 'Another brand has this external id.',
  },
  attributes_tenant_code_key: {
    code: 'catalog.code_taken',
    field: 'code',
    detail: 'Another attribute has this code.',
  },
  attribute_options_code_key: {
    code: 'catalog.code_taken',
    field: 'code',
    detail: 'This attribute already has an option with this code.',
  },
};

interface PgError {
  code?: string;
  constraint?: string;
}

/** The PostgreSQL error under Drizzle's wrapper, if the failure came from the database. */
function databaseErrorOf(error: unknown): PgError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const candidate = current as Error & PgError;
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns constraint violations that concurrent requests can provoke into the 409 a client can act on,
 * instead of a 500: a unique value taken between check and insert, a referenced row deleted meanwhile
 * (foreign keys), or two transactions deadlocking on the same rows.
 */
export function conflictFromDatabase(error: unknown): AppError | undefined {
  const pg = databaseErrorOf(error);
  if (!pg) return undefined;
  if (pg.code === '23505') {
    const known = pg.constraint ? UNIQUE_VIOLATIONS[pg.constraint] : undefined;
    if (known) return taken(known.code, known.field, known.detail);
    return new AppError(
      'catalog.concurrent_change',
      409,
      'Another request changed the same data; try again.',
    );
  }
  if (pg.code === '23503' || pg.code === '40P01' || pg.code === '40001') {
    return new AppError(
      'catalog.concurrent_change',
      409,
      'Another request changed the same data; try again.',
    );
  }
  return undefined;
}

/** `withTx` for catalog writes: one transaction, with races reported as 409 problems (see above). */
export async function catalogWrite<T>(ctx: RequestContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await withTx(ctx, fn);
  } catch (error) {
    throw conflictFromDatabase(error) ?? error;
  }
}

/** `withTx` for catalog reads (no transaction; see DECISIONS 4). */
export function catalogRead<T>(ctx: RequestContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withTx(ctx, fn, { readOnly: true });
}
