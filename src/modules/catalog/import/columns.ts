import type { ImportRowError } from '../schema.js';

/*
 * The column format of product CSV files, shared by import and export: one row per variant; rows with
 * the same `product_external_id` are one product. Texts have one column per locale (`name_tr`,
 * `description_en`, `slug_de-DE`). docs/CATALOG.md describes every column for merchants.
 */

export const PRODUCT_KEY = 'product_external_id';

/** Product columns: the same value on every row of a product (or empty on all but one). */
export const PRODUCT_COLUMNS = [
  'status',
  'brand',
  'categories',
  'unit',
  'tax_rate',
  'min_order_quantity',
  'order_multiple',
] as const;
export type ProductColumn = (typeof PRODUCT_COLUMNS)[number];

/** Variant columns: one variant per row. */
export const VARIANT_COLUMNS = [
  'sku',
  'barcode',
  'options',
  'base_price',
  'currency',
  'stock_quantity',
  'weight_grams',
  'length_mm',
  'width_mm',
  'height_mm',
  'variant_status',
] as const;
export type VariantColumn = (typeof VARIANT_COLUMNS)[number];

export const TEXT_KINDS = ['name', 'description', 'slug'] as const;
export type TextKind = (typeof TEXT_KINDS)[number];

/** Columns a file must have: the product key, and the SKU that says which variant a row is. */
export const REQUIRED_COLUMNS = [PRODUCT_KEY, 'sku'] as const;

const FIXED: ReadonlySet<string> = new Set<string>([PRODUCT_KEY, ...PRODUCT_COLUMNS, ...VARIANT_COLUMNS]);
const TEXT_COLUMN = /^(name|description|slug)_([a-z]{2})(?:-([a-z]{2}))?$/;

export function textColumn(kind: TextKind, locale: string): string {
  return `${kind}_${locale}`;
}

/** `name_tr` → name in tr; header names arrive lower-cased, so `de-de` becomes the locale `de-DE`. */
export function parseTextColumn(column: string): { kind: TextKind; locale: string } | null {
  const match = TEXT_COLUMN.exec(column);
  if (!match) return null;
  const locale = match[3] ? `${match[2]}-${match[3].toUpperCase()}` : match[2]!;
  return { kind: match[1] as TextKind, locale };
}

/** The columns of a file, in file order, by their canonical names (`name_de-DE`). */
export interface Header {
  columns: string[];
  locales: string[];
}

/**
 * Reads the header row. Names are matched case-insensitively and trimmed; an unknown, unnamed or
 * repeated column, or a missing required one, makes the whole file unusable (a misspelt column would
 * otherwise be silently ignored, and its data lost).
 */
export function readHeader(cells: readonly string[]): { header: Header } | { problems: ImportRowError[] } {
  const problems: ImportRowError[] = [];
  const columns: string[] = [];
  const locales = new Set<string>();
  const seen = new Set<string>();
  cells.forEach((cell, index) => {
    const lower = cell.trim().toLowerCase();
    const text = parseTextColumn(lower);
    const name = text ? textColumn(text.kind, text.locale) : lower;
    columns.push(name);
    if (name === '') {
      problems.push({ row: 1, field: null, message: `Column ${index + 1} has no name.` });
    } else if (!text && !FIXED.has(name)) {
      problems.push({
        row: 1,
        field: cell.trim(),
        message: `Unknown column "${cell.trim()}". Known columns: ${knownColumnsHint()}.`,
      });
    } else if (seen.has(name)) {
      problems.push({ row: 1, field: cell.trim(), message: `The column "${cell.trim()}" appears twice.` });
    }
    seen.add(name);
    if (text) locales.add(text.locale);
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!seen.has(required)) {
      problems.push({ row: 1, field: required, message: `The required column "${required}" is missing.` });
    }
  }
  return problems.length > 0 ? { problems } : { header: { columns, locales: [...locales].sort() } };
}

function knownColumnsHint(): string {
  return [
    PRODUCT_KEY,
    'name_<locale>',
    'description_<locale>',
    'slug_<locale>',
    ...PRODUCT_COLUMNS,
    ...VARIANT_COLUMNS,
  ].join(', ');
}

/** The columns an export writes, in order, for the given locales (the content locale first). */
export function exportColumns(locales: readonly string[]): string[] {
  return [
    PRODUCT_KEY,
    'status',
    ...TEXT_KINDS.flatMap((kind) => locales.map((locale) => textColumn(kind, locale))),
    ...PRODUCT_COLUMNS.filter((c) => c !== 'status'),
    ...VARIANT_COLUMNS,
  ];
}

// --- Options: `size=L|color=Kırmızı` ---------------------------------------------------------------

// `|` separates options and `=` a name from its value; a backslash makes either (or itself) literal.
const OPTION_SPECIALS = /[\\|=]/g;

export function formatOptions(options: Readonly<Record<string, string>>): string {
  return Object.entries(options)
    .map(
      ([name, value]) => `${name.replace(OPTION_SPECIALS, '\\$&')}=${value.replace(OPTION_SPECIALS, '\\$&')}`,
    )
    .join('|');
}

/** Splits on unescaped `separator`, keeping escapes for the next split. */
function splitEscaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

const unescapeOption = (text: string) => text.replace(/\\(.)/g, '$1');

const OPTION_FORMAT = 'write options as name=value pairs separated by |, e.g. size=L|color=Kırmızı';

/** `size=L|color=Kırmızı` → `{size: "L", color: "Kırmızı"}`, or what is wrong with it. */
export function parseOptions(text: string): { options: Record<string, string> } | { error: string } {
  const options: Record<string, string> = {};
  for (const part of splitEscaped(text, '|')) {
    if (part.trim() === '') continue;
    // The first unescaped "=" ends the name; the value may contain more of them.
    const pair = splitEscaped(part, '=');
    if (pair.length < 2) return { error: `"${part.trim()}" is not name=value: ${OPTION_FORMAT}` };
    const name = unescapeOption(pair[0]!.trim());
    const value = unescapeOption(pair.slice(1).join('=').trim());
    if (name === '' || value === '')
      return { error: `"${part.trim()}" needs both a name and a value: ${OPTION_FORMAT}` };
    if (Object.hasOwn(options, name)) return { error: `the option "${name}" is given twice` };
    options[name] = value;
  }
  return { options };
}

// --- Numbers --------------------------------------------------------------------------------------

const WHOLE = /^(0|[1-9][0-9]{0,9})$/;
const MAX_INT = 2_147_483_647;

/** Grams and millimetres: a whole number ≥ 0, or undefined. */
export function parseWholeNumber(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  const value = Number(text);
  return value <= MAX_INT ? value : undefined;
}

/** Two decimal strings name the same number ("20" and "20.00", "12.5" and "12.5000"). */
export function sameDecimal(a: string, b: string): boolean {
  return canonicalDecimal(a) === canonicalDecimal(b);
}

function canonicalDecimal(value: string): string {
  if (!value.includes('.')) return value;
  return value.replace(/0+$/, '').replace(/\.$/, '');
}

/** Stored numerics without the zeros their scale adds: "12.5000" → "12.5", "20.00" → "20". */
export function plainDecimal(value: string): string {
  return canonicalDecimal(value);
}

/** `kutu|koli|ambalaj/karton` → slugs; empty parts are ignored. */
export function parseList(text: string): string[] {
  return text
    .split('|')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
