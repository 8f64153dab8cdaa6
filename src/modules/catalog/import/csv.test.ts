import { describe, expect, it } from 'vitest';
import { formatOptions, parseOptions, readHeader, sameDecimal } from './columns.js';
import {
  CsvSyntaxError,
  CsvTooLongError,
  csvLine,
  detectDelimiter,
  escapeFormula,
  parseCsv,
  unescapeFormula,
} from './csv.js';

const cellsOf = (text: string) => parseCsv(text).records.map((r) => r.cells);

describe('CSV parsing', () => {
  it('reads quoted cells with delimiters, doubled quotes and line breaks, in CRLF and LF files', () => {
    const text = 'a,b,c\r\n"1,5","say ""hi""","two\r\nlines"\r\nx,y,z\n';
    expect(cellsOf(text)).toEqual([
      ['a', 'b', 'c'],
      ['1,5', 'say "hi"', 'two\r\nlines'],
      ['x', 'y', 'z'],
    ]);
  });

  it('numbers records by the row they start on, counting line breaks inside quotes and blank lines', () => {
    const { records } = parseCsv('h1,h2\n"a\nb",c\n\nd,e\n,\n"",""\nf,g');
    expect(records.map((r) => [r.row, r.cells[0]])).toEqual([
      [1, 'h1'],
      [2, 'a\nb'],
      [5, 'd'],
      [8, 'f'],
    ]);
  });

  it('drops a UTF-8 byte order mark and keeps Turkish letters', () => {
    expect(cellsOf('\uFEFFad,şehir\nÇİĞDEM,İğdır\n')).toEqual([
      ['ad', 'şehir'],
      ['ÇİĞDEM', 'İğdır'],
    ]);
  });

  it('keeps empty cells, a last line without a line break, and a quote inside an unquoted cell', () => {
    expect(cellsOf('a,,c\n12" boru,,')).toEqual([
      ['a', '', 'c'],
      ['12" boru', '', ''],
    ]);
  });

  it('detects semicolon and tab files from the header, never from quoted text', () => {
    expect(detectDelimiter('sku;ad;fiyat\n1,2;3;4')).toBe(';');
    expect(detectDelimiter('sku\tad\n')).toBe('\t');
    expect(detectDelimiter('"a;b;c",d\n')).toBe(',');
    expect(cellsOf('sku;ad;fiyat\nK-1;"Kalem; mavi";12.50\n')).toEqual([
      ['sku', 'ad', 'fiyat'],
      ['K-1', 'Kalem; mavi', '12.50'],
    ]);
  });

  it('refuses a quote never closed and text after a closing quote, naming the row', () => {
    const errorOf = (text: string) => {
      try {
        parseCsv(text);
        return undefined;
      } catch (error) {
        return error;
      }
    };
    const unclosed = errorOf('a,b\nc,"open\nmore\n');
    expect(unclosed).toBeInstanceOf(CsvSyntaxError);
    expect(unclosed).toMatchObject({
      row: 2,
      message: 'A quoted cell that starts on row 2 is never closed.',
    });
    expect(errorOf('a,b\nc,d\n"x"y,z\n')).toMatchObject({ row: 3 });
    expect(() => parseCsv('a,b\n"x"y,z\n')).toThrow(/Row 2 has text after the closing quote/);
  });

  it('stops at the row limit', () => {
    expect(() => parseCsv('h\n1\n2\n3\n', { maxDataRows: 2 })).toThrow(CsvTooLongError);
    expect(parseCsv('h\n1\n2\n', { maxDataRows: 2 }).records).toHaveLength(3);
  });
});

describe('CSV writing', () => {
  it('quotes only cells that need it and round-trips through the parser', () => {
    const cells = ['plain', 'with,comma', 'with "quote"', 'two\nlines', 'Kırmızı Çanta', ''];
    const line = csvLine(cells);
    expect(line).toBe('plain,"with,comma","with ""quote""","two\nlines",Kırmızı Çanta,\r\n');
    expect(parseCsv(line).records[0]!.cells).toEqual(cells);
    expect(csvLine(['a;b', 'c,d'], ';')).toBe('"a;b";c,d\r\n');
  });

  it('escapes cells a spreadsheet would run as formulas, and the import reads them back unchanged', () => {
    for (const dangerous of ['=cmd|"/c calc"!A1', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      const escaped = escapeFormula(dangerous);
      expect(escaped).toBe(`'${dangerous}`);
      expect(unescapeFormula(escaped)).toBe(dangerous);
    }
    expect(csvLine(['=HYPERLINK("http://x")'])).toBe(`"'=HYPERLINK(""http://x"")"\r\n`);
    expect(escapeFormula('Kutu = 5')).toBe('Kutu = 5');
    expect(unescapeFormula("'quoted")).toBe("'quoted");
  });
});

describe('column format', () => {
  it('matches header names case-insensitively and canonicalises locale columns', () => {
    const result = readHeader([' Product_External_ID ', 'SKU', 'Name_TR', 'slug_de-de', 'BASE_PRICE']);
    expect(result).toEqual({
      header: {
        columns: ['product_external_id', 'sku', 'name_tr', 'slug_de-DE', 'base_price'],
        locales: ['de-DE', 'tr'],
      },
    });
  });

  it('reports unknown, unnamed, repeated and missing required columns', () => {
    const result = readHeader(['sku', 'fiyat', '', 'SKU']);
    expect('problems' in result && result.problems).toEqual([
      {
        row: 1,
        field: 'fiyat',
        message: expect.stringMatching(/^Unknown column "fiyat"\. Known columns: product_external_id/),
      },
      { row: 1, field: null, message: 'Column 3 has no name.' },
      { row: 1, field: 'SKU', message: 'The column "SKU" appears twice.' },
      {
        row: 1,
        field: 'product_external_id',
        message: 'The required column "product_external_id" is missing.',
      },
    ]);
  });

  it('reads and writes options, escaping the separators', () => {
    expect(parseOptions('size=L | color=Kırmızı')).toEqual({ options: { size: 'L', color: 'Kırmızı' } });
    expect(parseOptions('ölçü=10x20=cm')).toEqual({ options: { ölçü: '10x20=cm' } });
    const tricky = { 'a|b': 'c=d', e: 'f\\g' };
    expect(parseOptions(formatOptions(tricky))).toEqual({ options: tricky });
    expect(parseOptions('size')).toMatchObject({ error: expect.stringContaining('is not name=value') });
    expect(parseOptions('size=')).toMatchObject({
      error: expect.stringContaining('needs both a name and a value'),
    });
    expect(parseOptions('size=L|size=M')).toEqual({ error: 'the option "size" is given twice' });
  });

  it('compares decimals by value', () => {
    expect(sameDecimal('20', '20.00')).toBe(true);
    expect(sameDecimal('12.5', '12.5000')).toBe(true);
    expect(sameDecimal('100', '10.00')).toBe(false);
    expect(sameDecimal('0', '0.000')).toBe(true);
  });
});
