import type { ImportRowError } from '../schema.js';
import {
  type Header,
  PRODUCT_COLUMNS,
  PRODUCT_KEY,
  type ProductColumn,
  parseList,
  parseOptions,
  parseTextColumn,
  parseWholeNumber,
  type TextKind,
} from './columns.js';
import { type CsvRecord, unescapeFormula } from './csv.js';

/*
 * From CSV records to one draft per product: cells read into the types the catalog's bodies use, and
 * everything that can be judged without the database (a product's rows disagreeing, a malformed option
 * list, a missing SKU) reported with its row and column.
 */

/** A data row: its spreadsheet row number and its non-empty cells by canonical column name. */
export interface ImportRow {
  row: number;
  cells: Map<string, string>;
  /** Cells beyond the header's columns that hold something. */
  strayCells: number;
}

/** What one unit of work gets: the rows of one product, or a row that names no product. */
export type ImportUnit = { key: string; rows: ImportRow[] } | { key: null; rows: [ImportRow] };

/** A value given in the file, with the row it came from (for error reports). */
export interface Given<T = string> {
  value: T;
  row: number;
}

/** Variant fields as the catalog's VariantInput names them; absent when the cell was empty. */
export interface VariantFields {
  barcode?: string;
  optionValues?: Record<string, string>;
  basePrice?: string;
  currency?: string;
  stockQuantity?: string;
  weightGrams?: number;
  lengthMm?: number;
  widthMm?: number;
  heightMm?: number;
  status?: string;
}

export interface VariantDraft {
  row: number;
  sku: string;
  fields: VariantFields;
}

export interface ProductDraft {
  externalId: string;
  firstRow: number;
  fields: Partial<Record<Exclude<ProductColumn, 'categories'>, Given>>;
  categories?: Given<string[]>;
  /** Texts by locale, then by kind. */
  texts: Record<string, Partial<Record<TextKind, Given>>>;
  variants: VariantDraft[];
}

// Free texts are taken as written (a name may start with a space the merchant wants); every other cell
// is trimmed, since stray spaces around a SKU or a number are never meant.
const VERBATIM = (column: string) => {
  const text = parseTextColumn(column);
  return text !== null && text.kind !== 'slug';
};

/**
 * Groups data records into units in file order: a product's rows, wherever they are in the file,
 * become one unit at the position of its first row. The order is a pure function of the file, which is
 * what lets an interrupted import resume by counting rows (see import.job.ts).
 */
export function groupRows(header: Header, records: readonly CsvRecord[]): ImportUnit[] {
  const units: ImportUnit[] = [];
  const byKey = new Map<string, ImportRow[]>();
  for (const record of records) {
    const cells = new Map<string, string>();
    header.columns.forEach((column, index) => {
      const raw = unescapeFormula(record.cells[index] ?? '');
      if (raw.trim() === '') return;
      cells.set(column, VERBATIM(column) ? raw : raw.trim());
    });
    const strayCells = record.cells.slice(header.columns.length).filter((c) => c.trim() !== '').length;
    const row: ImportRow = { row: record.row, cells, strayCells };
    const key = cells.get(PRODUCT_KEY);
    if (key === undefined) {
      units.push({ key: null, rows: [row] });
      continue;
    }
    const rows = byKey.get(key);
    if (rows) {
      rows.push(row);
    } else {
      const first = [row];
      byKey.set(key, first);
      units.push({ key, rows: first });
    }
  }
  return units;
}

type Problem = ImportRowError;

/** A unit's draft, or the problems that keep it from being imported (then nothing of it is written). */
export function readDraft(unit: ImportUnit): { draft: ProductDraft } | { problems: Problem[] } {
  const problems: Problem[] = [];
  for (const row of unit.rows) {
    if (row.strayCells > 0) {
      problems.push({
        row: row.row,
        field: null,
        message: 'The row has more cells than the header has columns.',
      });
    }
  }
  if (unit.key === null) {
    problems.push({
      row: unit.rows[0].row,
      field: PRODUCT_KEY,
      message: 'is empty: every row needs the external id of its product.',
    });
    return { problems };
  }

  const draft: ProductDraft = {
    externalId: unit.key,
    firstRow: unit.rows[0]!.row,
    fields: {},
    texts: {},
    variants: [],
  };
  const merge = <T>(
    current: Given<T> | undefined,
    next: Given<T>,
    column: string,
    same: (a: T, b: T) => boolean,
  ) => {
    if (current === undefined) return next;
    if (!same(current.value, next.value)) {
      problems.push({
        row: next.row,
        field: column,
        message: `differs from row ${current.row} of the same product; give a product’s values once, or the same on every row.`,
      });
    }
    return current;
  };
  const skus = new Map<string, number>();

  for (const row of unit.rows) {
    const at = (column: string) => row.cells.get(column);
    for (const column of PRODUCT_COLUMNS) {
      const value = at(column);
      if (value === undefined) continue;
      if (column === 'categories') {
        const next = { value: parseList(value), row: row.row };
        draft.categories = merge(draft.categories, next, column, (a, b) => a.join('|') === b.join('|'));
      } else {
        const normalised = column === 'status' || column === 'unit' ? value.toLowerCase() : value;
        draft.fields[column] = merge(
          draft.fields[column],
          { value: normalised, row: row.row },
          column,
          (a, b) => a === b,
        );
      }
    }
    for (const [column, value] of row.cells) {
      const text = parseTextColumn(column);
      if (!text) continue;
      const texts = draft.texts[text.locale] ?? {};
      draft.texts[text.locale] = texts;
      texts[text.kind] = merge(texts[text.kind], { value, row: row.row }, column, (a, b) => a === b);
    }

    const sku = at('sku');
    if (sku === undefined) {
      problems.push({
        row: row.row,
        field: 'sku',
        message: 'is empty: every row is one variant and needs its SKU.',
      });
      continue;
    }
    const earlier = skus.get(sku);
    if (earlier !== undefined) {
      problems.push({ row: row.row, field: 'sku', message: `"${sku}" is also on row ${earlier}.` });
      continue;
    }
    skus.set(sku, row.row);
    draft.variants.push({ row: row.row, sku, fields: readVariantFields(row, problems) });
  }
  return problems.length > 0 ? { problems } : { draft };
}

const WHOLE_COLUMNS = [
  ['weight_grams', 'weightGrams'],
  ['length_mm', 'lengthMm'],
  ['width_mm', 'widthMm'],
  ['height_mm', 'heightMm'],
] as const;

function readVariantFields(row: ImportRow, problems: Problem[]): VariantFields {
  const fields: VariantFields = {};
  const at = (column: string) => row.cells.get(column);
  const barcode = at('barcode');
  if (barcode !== undefined) fields.barcode = barcode;
  const price = at('base_price');
  if (price !== undefined) fields.basePrice = price;
  const stock = at('stock_quantity');
  if (stock !== undefined) fields.stockQuantity = stock;
  const currency = at('currency');
  if (currency !== undefined) fields.currency = currency.toUpperCase();
  const status = at('variant_status');
  if (status !== undefined) fields.status = status.toLowerCase();
  const options = at('options');
  if (options !== undefined) {
    const parsed = parseOptions(options);
    if ('error' in parsed) problems.push({ row: row.row, field: 'options', message: parsed.error });
    else fields.optionValues = parsed.options;
  }
  for (const [column, field] of WHOLE_COLUMNS) {
    const text = at(column);
    if (text === undefined) continue;
    const value = parseWholeNumber(text);
    if (value === undefined) {
      problems.push({
        row: row.row,
        field: column,
        message: `"${text}" is not a whole number of at least 0.`,
      });
    } else {
      fields[field] = value;
    }
  }
  return fields;
}
