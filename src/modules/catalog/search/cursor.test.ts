import { describe, expect, it } from 'vitest';
import { AppError } from '../../../kernel/errors.js';
import { decodeListingCursor, encodeListingCursor, type ListingCursor } from './cursor.js';

const ID = '01890000-0000-7000-8000-000000000001';

describe('listing cursors', () => {
  it('round-trips every sort key', () => {
    const cursors: ListingCursor[] = [
      { sort: 'newest', key: '2026-01-01T10:00:00.123456Z', id: ID, approximate: false },
      { sort: 'name', key: 'kraft kutu', id: ID, approximate: false },
      { sort: '-name', key: '', id: ID, approximate: true },
      { sort: 'price', key: '10.5000', id: ID, approximate: false },
      { sort: '-price', key: null, id: ID, approximate: false },
      { sort: 'relevance', key: '6.079271e-05', id: ID, approximate: true },
    ];
    for (const cursor of cursors) {
      const encoded = encodeListingCursor(cursor);
      expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeListingCursor(encoded, cursor.sort)).toEqual(cursor);
    }
  });

  it('refuses anything else, naming the cursor field', () => {
    const bad = [
      'not-a-cursor',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from(`[2,"newest","2026-01-01T10:00:00.123456Z","${ID}",0]`).toString('base64url'),
      Buffer.from(`[1,"newest","2026-01-01","${ID}",0]`).toString('base64url'),
      Buffer.from(`[1,"newest",null,"${ID}",0]`).toString('base64url'),
      Buffer.from('[1,"price","10","not-an-id",0]').toString('base64url'),
      Buffer.from(`[1,"price","1e3","${ID}",0]`).toString('base64url'),
      Buffer.from(`[1,"relevance","0.5; DROP","${ID}",0]`).toString('base64url'),
      Buffer.from(`[1,"cheapest","1","${ID}",0]`).toString('base64url'),
      Buffer.from(`[1,"price","1","${ID}",2]`).toString('base64url'),
    ];
    for (const raw of bad) {
      const sort =
        raw === bad[5] || raw === bad[6] || raw === bad[9]
          ? 'price'
          : raw === bad[7]
            ? 'relevance'
            : 'newest';
      try {
        decodeListingCursor(raw, sort);
        expect.unreachable(raw);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).extra['errors']).toEqual([
          { in: 'querystring', field: 'cursor', message: expect.any(String) },
        ]);
      }
    }
  });

  it('refuses a cursor of another sort order', () => {
    const cursor = encodeListingCursor({ sort: 'price', key: '1', id: ID, approximate: false });
    expect(() => decodeListingCursor(cursor, 'name')).toThrow(/sort=price/);
  });
});
