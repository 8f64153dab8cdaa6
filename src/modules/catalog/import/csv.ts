/*
 * CSV as RFC 4180 describes it, plus what spreadsheets actually write: a UTF-8 byte order mark (Excel
 * needs one to read UTF-8, and keeps it when saving), LF as well as CRLF line ends, and a semicolon or
 * tab instead of the comma (Excel in a Turkish locale saves with semicolons, because the comma is its
 * decimal separator).
 */

export type Delimiter = ',' | ';' | '\t';

export const DELIMITERS: Readonly<Record<'comma' | 'semicolon' | 'tab', Delimiter>> = {
  comma: ',',
  semicolon: ';',
  tab: '\t',
};

export const UTF8_BOM = '\uFEFF';

/** One record of the file with the spreadsheet row number it starts on (the header is row 1). */
export interface CsvRecord {
  row: number;
  cells: string[];
}

/** A file that cannot be read as CSV at all; `row` is where the problem starts. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly row: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** A file with more data rows than one import takes. */
export class CsvTooLongError extends Error {
  constructor(readonly maxDataRows: number) {
    super(`The file has more than ${maxDataRows} rows after the header.`);
    this.name = 'CsvTooLongError';
  }
}

/**
 * The delimiter of the header line: whichever of comma, semicolon and tab occurs most often outside
 * quotes (ties go to the comma, the standard one). The header holds only column names, so it is the
 * one line where a delimiter cannot also be data.
 */
export function detectDelimiter(text: string): Delimiter {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && (char === ',' || char === ';' || char === '\t')) counts[char]++;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[',']) return '\t';
  return ',';
}

/**
 * Parses the whole text. Quoted cells may hold delimiters, line breaks and doubled quotes; a quote
 * inside an unquoted cell is kept as a character (`12" boru`), as spreadsheets read it; text after a
 * closing quote, or a quote left open at the end, is a syntax error, since the cells could no longer be
 * told apart. Records whose cells are all empty (blank lines) are left out; row numbers still count them.
 * More than `maxDataRows` records after the header stops the parse (CsvTooLongError) before the rest of
 * a huge file is held in memory.
 */
export function parseCsv(
  input: string,
  options: { delimiter?: Delimiter; maxDataRows?: number } = {},
): { delimiter: Delimiter; records: CsvRecord[] } {
  const text = input.startsWith(UTF8_BOM) ? input.slice(1) : input;
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const maxRecords = (options.maxDataRows ?? Number.POSITIVE_INFINITY) + 1;
  const records: CsvRecord[] = [];
  const length = text.length;
  let cells: string[] = [];
  let row = 1;
  let recordRow = 1;
  let i = 0;

  const endRecord = () => {
    if (cells.some((c) => c !== '')) {
      if (records.length >= maxRecords) throw new CsvTooLongError(maxRecords - 1);
      records.push({ row: recordRow, cells });
    }
    cells = [];
  };

  while (i <= length) {
    // At the start of a cell.
    let cell: string;
    if (text[i] === '"') {
      const openedOn = row;
      const parts: string[] = [];
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) {
          throw new CsvSyntaxError(openedOn, `A quoted cell that starts on row ${openedOn} is never closed.`);
        }
        parts.push(text.slice(from, quote));
        if (text[quote + 1] === '"') {
          parts.push('"');
          from = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      cell = parts.join('');
      row += lineBreaksIn(cell);
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
        throw new CsvSyntaxError(row, `Row ${row} has text after the closing quote of a quoted cell.`);
      }
    } else {
      let end = i;
      while (end < length) {
        const c = text[end];
        if (c === delimiter || c === '\n' || c === '\r') break;
        end++;
      }
      cell = text.slice(i, end);
      i = end;
    }
    cells.push(cell);
    const after = text[i];
    if (after === delimiter) {
      i++;
      continue;
    }
    endRecord();
    if (after === undefined) break;
    i += after === '\r' && text[i + 1] === '\n' ? 2 : 1;
    row++;
    recordRow = row;
    if (i === length) break;
  }
  return { delimiter, records };
}

/** Line breaks inside a quoted cell (CRLF, LF or a lone CR each count once), for row numbers. */
function lineBreaksIn(cell: string): number {
  let count = 0;
  for (let i = 0; i < cell.length; i++) {
    const c = cell[i];
    if (c === '\n' || (c === '\r' && cell[i + 1] !== '\n')) count++;
  }
  return count;
}

// A spreadsheet treats a cell starting with one of these as a formula (or, for tab and carriage return,
// strips them and looks again), so an exported product name such as `=HYPERLINK(…)` would run when the
// file is opened. OWASP's advice: prefix such cells with an apostrophe, which spreadsheets show as text.
const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell as exported: prefixed with `'` when a spreadsheet would take it for a formula. */
export function escapeFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * The reverse, on import: a cell `'=…` that an export escaped is `=…` again, so export → import gives
 * back the same text. A leading apostrophe before anything else is left alone.
 */
export function unescapeFormula(value: string): string {
  return value.length > 1 && value[0] === "'" && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

/** One CSV line (CRLF-terminated, as RFC 4180 says); cells are quoted only when they need it. */
export function csvLine(cells: readonly string[], delimiter: Delimiter = ','): string {
  return `${cells.map((cell) => quoteCell(escapeFormula(cell), delimiter)).join(delimiter)}\r\n`;
}

function quoteCell(value: string, delimiter: Delimiter): string {
  if (value.includes('"') || value.includes(delimiter) || value.includes('\n') || value.includes('\r')) {
    return `"${value.replaceAll('"', '""')}"`;
  }
  return value;
}
