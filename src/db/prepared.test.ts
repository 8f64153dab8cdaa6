import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/app.js';
import { systemContext } from '../kernel/context.js';
import { isoTimestamp, preparedRows } from './prepared.js';
import { withTx } from './tx.js';

describe('prepared text-row reads', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const read = (fn: Parameters<typeof withTx<unknown>>[1]) =>
    withTx(systemContext(t.runtime, null), fn, { readOnly: true });

  it('answers rows as column texts, NULL as null, on every execution of the statement', async () => {
    const select = preparedRows(
      'test_prepared_rows',
      'SELECT $1::int + 1, NULL::text, $2::text FROM generate_series(1, 2)',
    );
    for (const n of [1, 2, 3]) {
      expect(await read((tx) => select(tx, [String(n), 'ş']))).toEqual([
        [String(n + 1), null, 'ş'],
        [String(n + 1), null, 'ş'],
      ]);
    }
    expect(await read((tx) => select(tx, ['1', null]))).toEqual([
      ['2', null, null],
      ['2', null, null],
    ]);
  });

  it('rejects with the database error and leaves the connection usable', async () => {
    const divide = preparedRows('test_prepared_divide', 'SELECT 1 / $1::int');
    await expect(read((tx) => divide(tx, ['0']))).rejects.toThrow(/division by zero/);
    await expect(read((tx) => divide(tx, ['x']))).rejects.toThrow(/invalid input syntax/);
    expect(await read((tx) => divide(tx, ['1']))).toEqual([['1']]);
    expect(await read((tx) => tx.client.query('SELECT 2 AS two'))).toMatchObject({ rows: [{ two: 2 }] });
  });

  it('refuses a name already used for another statement on the connection', async () => {
    const first = preparedRows('test_prepared_twice', 'SELECT 1');
    const second = preparedRows('test_prepared_twice', 'SELECT 2');
    await expect(
      read(async (tx) => {
        await first(tx, []);
        return second(tx, []);
      }),
    ).rejects.toThrow(/must be unique/);
  });

  it('formats timestamps as Date.prototype.toISOString does for the Date pg text would give', async () => {
    const values = [
      '2026-11-22 01:02:03.456999+00',
      '2026-11-22 01:02:03.29+00',
      '2026-11-22 01:02:03+00',
      '2026-03-29 03:00:00.0001+05:30',
      '1999-12-31 23:59:59.999999+00',
    ];
    const select = preparedRows(
      'test_prepared_iso',
      `SELECT $1::timestamptz::text, ${isoTimestamp('$1::timestamptz')}`,
    );
    for (const value of values) {
      const [[text, iso]] = (await read((tx) => select(tx, [value]))) as [[string, string]];
      expect(iso).toBe(new Date(text).toISOString());
    }
  });
});
