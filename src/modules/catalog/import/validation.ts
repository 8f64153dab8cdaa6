import { FormatRegistry, type TSchema, TypeRegistry } from '@sinclair/typebox';
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value';
import { AppError } from '../../../kernel/errors.js';
import { isUuid } from '../../../kernel/uuid.js';
import { UNITS } from '../contracts.js';
import { conflictFromDatabase } from '../errors.js';
import type { ImportRowError } from '../schema.js';
import { PRODUCT_KEY, parseTextColumn, textColumn } from './columns.js';

/*
 * Rows are checked against the very schemas the HTTP API validates bodies with (contracts.ts), through
 * TypeBox's own checker, and service errors are turned into row errors; this file maps the field paths
 * of both to the file's rows and columns, and words each problem for someone editing a spreadsheet.
 */

// The API validates with Ajv, which reads these schemas as plain JSON Schema. TypeBox's checker needs
// to be told two things Ajv knows: the `uuid` format, and how to check `Type.Unsafe` schemas (the
// catalog's string enums). Only the keywords those schemas use are understood; any other keyword is a
// programming error, reported loudly rather than passed silently.
const UNSAFE_KEYWORDS = new Set([
  'type',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'description',
  'default',
]);

function checkUnsafe(schema: Record<string, unknown>, value: unknown): boolean {
  for (const key of Object.keys(schema)) {
    if (!UNSAFE_KEYWORDS.has(key))
      throw new Error(`import validation: unsupported keyword "${key}" in an Unsafe schema`);
  }
  const types = schema['type'] === undefined ? [] : [schema['type']].flat();
  if (types.length > 0 && !types.some((type) => matchesType(type, value))) return false;
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(value)) return false;
  if (typeof value === 'string') {
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value))
      return false;
    if (typeof schema['minLength'] === 'number' && [...value].length < schema['minLength']) return false;
    if (typeof schema['maxLength'] === 'number' && [...value].length > schema['maxLength']) return false;
  }
  return true;
}

function matchesType(type: unknown, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      throw new Error(`import validation: unsupported type "${String(type)}" in an Unsafe schema`);
  }
}

if (!TypeRegistry.Has('Unsafe')) TypeRegistry.Set('Unsafe', checkUnsafe);
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', isUuid);

/** Where a field of a body came from in the file. */
export interface FieldSource {
  /** The row that gave a product field (or the product's first row when none did). */
  productRow(column: string): number;
  /** Rows of the body's `variants/<i>`, for create bodies. */
  variantRows?: readonly number[];
  /** The row of a body that is one variant (a variant patch or a variant added to a product). */
  variantRow?: number;
  /** The column a missing name is reported under: the name in the tenant's content locale. */
  nameColumn: string;
}

const PRODUCT_FIELDS: Record<string, string> = {
  status: 'status',
  brandId: 'brand',
  categoryIds: 'categories',
  taxRate: 'tax_rate',
  unit: 'unit',
  minOrderQuantity: 'min_order_quantity',
  orderMultiple: 'order_multiple',
  externalId: PRODUCT_KEY,
};

const VARIANT_FIELDS: Record<string, string> = {
  sku: 'sku',
  barcode: 'barcode',
  optionValues: 'options',
  weightGrams: 'weight_grams',
  lengthMm: 'length_mm',
  widthMm: 'width_mm',
  heightMm: 'height_mm',
  basePrice: 'base_price',
  currency: 'currency',
  status: 'variant_status',
  stockQuantity: 'stock_quantity',
};

/**
 * The row and column of a body field path (`variants/2/basePrice`, `translations/tr/slug`, `taxRate`),
 * or null for paths that are no column of the file (attribute values, images).
 */
export function locate(path: string, source: FieldSource): { row: number; column: string } | null {
  const parts = path.replace(/^\//, '').split('/');
  const [head, second, third] = parts;
  if (head === undefined) return null;
  if (source.variantRow !== undefined) {
    const column = VARIANT_FIELDS[head];
    return column ? { row: source.variantRow, column } : null;
  }
  if (head === 'variants' && source.variantRows) {
    const row = source.variantRows[Number(second)];
    const column = third === undefined ? undefined : VARIANT_FIELDS[third];
    if (row === undefined) return null;
    return { row, column: column ?? 'sku' };
  }
  if (head === 'translations') {
    // No locale at all: a new product without any name.
    if (second === undefined) return { row: source.productRow(source.nameColumn), column: source.nameColumn };
    const kind = third === 'slug' || third === 'description' ? third : 'name';
    const column = textColumn(kind, second);
    return { row: source.productRow(column), column };
  }
  const column = PRODUCT_FIELDS[head];
  return column ? { row: source.productRow(column), column } : null;
}

// What each column must hold, in the words the problem report uses.
const EXPECTED: Record<string, string> = {
  [PRODUCT_KEY]: 'must be 1 to 100 characters on one line',
  status: 'must be draft, active or archived',
  unit: `must be one of ${UNITS.join(', ')}`,
  tax_rate: 'must be a percentage from 0 to 100 with at most 2 decimals, e.g. 20 or 8.5',
  min_order_quantity: 'must be a number above 0 with at most 3 decimals, e.g. 1 or 0.5',
  order_multiple: 'must be a number above 0 with at most 3 decimals, e.g. 1 or 0.5',
  categories: 'may list at most 20 categories, each once',
  sku: 'must be at most 64 letters, digits and . _ / -, starting with a letter or digit',
  barcode: 'must be an EAN-13 barcode: 13 digits',
  options: 'may have at most 10 options; names at most 50 and values at most 100 characters, on one line',
  base_price: 'must be a price with at most 4 decimals, e.g. 12.50',
  currency: 'must be a three-letter ISO 4217 code such as TRY',
  stock_quantity: 'must be a number of at least 0 with at most 3 decimals',
  variant_status: 'must be active or inactive',
  weight_grams: 'must be a whole number of at least 0',
  length_mm: 'must be a whole number of at least 0',
  width_mm: 'must be a whole number of at least 0',
  height_mm: 'must be a whole number of at least 0',
};

const TEXT_EXPECTED = {
  name: 'must be 1 to 200 characters on one line',
  description: 'must be at most 20,000 characters',
  slug: 'must be lower-case letters a–z, digits and single dashes, e.g. kraft-kutu',
};

const DECIMAL_COLUMNS = new Set([
  'base_price',
  'tax_rate',
  'min_order_quantity',
  'order_multiple',
  'stock_quantity',
]);

function expectation(column: string, value: unknown): string {
  const text = parseTextColumn(column);
  const base = text ? TEXT_EXPECTED[text.kind] : (EXPECTED[column] ?? 'is not valid');
  // Spreadsheets in a Turkish locale write 12,50; the file format takes the point, like the API, so a
  // comma can never be misread as a thousands separator.
  if (DECIMAL_COLUMNS.has(column) && typeof value === 'string' && value.includes(',')) {
    return `${base} (use a point for decimals, not a comma)`;
  }
  return base;
}

/**
 * Every schema problem of `body` as row errors, one per row and column (the first found), or none.
 * `describeRequired` words a missing required field, which only the caller can explain.
 */
export function schemaProblems(
  schema: TSchema,
  body: unknown,
  source: FieldSource,
  describeRequired: (column: string) => string,
): ImportRowError[] {
  const problems = new Map<string, ImportRowError>();
  for (const error of Value.Errors(schema, body) as Iterable<ValueError>) {
    const place = locate(error.path, source);
    const row = place?.row ?? source.productRow(PRODUCT_KEY);
    const field = place?.column ?? null;
    const key = `${row}:${field}`;
    if (problems.has(key)) continue;
    const missing =
      error.type === ValueErrorType.ObjectRequiredProperty ||
      error.type === ValueErrorType.ObjectMinProperties;
    const shown =
      typeof error.value === 'string' || typeof error.value === 'number' ? `"${error.value}" ` : '';
    const message = !field
      ? `${error.path}: ${error.message}.`
      : missing
        ? describeRequired(field)
        : `${shown}${expectation(field, error.value)}.`;
    problems.set(key, { row, field, message });
  }
  return [...problems.values()];
}

/**
 * A service's refusal as row errors: AppErrors name the field (`errors[].field` for 400s, `field`
 * for 409s); database conflicts become the same AppErrors the API would answer. Anything else is not
 * the file's fault and is rethrown (the job fails and is retried).
 */
export function serviceProblems(error: unknown, source: FieldSource): ImportRowError[] {
  const appError = error instanceof AppError ? error : conflictFromDatabase(error);
  if (!appError || appError.status >= 500) throw error;
  const fallbackRow = source.variantRow ?? source.productRow(PRODUCT_KEY);
  const listed = appError.extra['errors'];
  if (Array.isArray(listed) && listed.length > 0) {
    return listed.map((entry: { field?: string; message?: string }) => {
      const place = entry.field ? locate(entry.field, source) : null;
      const message = entry.message ?? appError.detail;
      return place
        ? { row: place.row, field: place.column, message: withoutPath(message) }
        : { row: fallbackRow, field: null, message: entry.field ? `${entry.field}: ${message}` : message };
    });
  }
  const field = appError.extra['field'];
  const place = typeof field === 'string' ? locate(field, source) : null;
  return [
    place
      ? { row: place.row, field: place.column, message: appError.detail }
      : { row: fallbackRow, field: null, message: appError.detail },
  ];
}

// Service messages may repeat the body path ("variants/0/barcode is not…"); the column says it better.
function withoutPath(message: string): string {
  return message.replace(/^[A-Za-z]+(\/[A-Za-z0-9_-]+)+ /, '');
}
