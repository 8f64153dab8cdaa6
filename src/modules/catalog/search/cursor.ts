import { AppError } from '../../../kernel/errors.js';
import { isUuid } from '../../../kernel/uuid.js';
import type { ProductSort } from './engine.js';

/**
 * Where the previous page ended, for keyset pagination: the last product's sort key and id (the id
 * breaks ties, so no product is skipped or repeated when many share a price or a name). Opaque to
 * clients: base64url JSON `[version, sort, key, id, approximate]`.
 */
export interface ListingCursor {
  sort: ProductSort;
  /**
   * `newest`: created_at as ISO UTC with microseconds; `name`: the folded sort name; `price`: the
   * lowest price as a decimal string, or null for products without one; `relevance`: the score.
   */
  key: string | null;
  id: string;
  /** The page came from the approximate (typo-tolerant) search, so the next one must too. */
  approximate: boolean;
}

const VERSION = 1;
const KEY_FORMATS: Record<ProductSort, { pattern: RegExp; nullable: boolean }> = {
  newest: { pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, nullable: false },
  name: { pattern: /^[\s\S]{0,1000}$/, nullable: false },
  '-name': { pattern: /^[\s\S]{0,1000}$/, nullable: false },
  price: { pattern: /^\d{1,15}(\.\d{1,4})?$/, nullable: true },
  '-price': { pattern: /^\d{1,15}(\.\d{1,4})?$/, nullable: true },
  relevance: { pattern: /^-?\d{1,20}(\.\d{1,20})?(e[-+]?\d{1,3})?$/, nullable: false },
};

export function encodeListingCursor(cursor: ListingCursor): string {
  const value = [VERSION, cursor.sort, cursor.key, cursor.id, cursor.approximate ? 1 : 0];
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The cursor a previous page returned for the same sort order; anything else is a 400 naming `cursor`. */
export function decodeListingCursor(raw: string, sort: ProductSort): ListingCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('is not a cursor this API issued');
  }
  if (!Array.isArray(value) || value.length !== 5 || value[0] !== VERSION) {
    throw invalidCursor('is not a cursor this API issued');
  }
  const [, cursorSort, key, id, approximate] = value as unknown[];
  if (typeof cursorSort !== 'string' || !(cursorSort in KEY_FORMATS)) {
    throw invalidCursor('is not a cursor this API issued');
  }
  if (cursorSort !== sort) throw invalidCursor(`belongs to sort=${cursorSort}; pass that sort with it`);
  const format = KEY_FORMATS[cursorSort as ProductSort];
  const keyValid = key === null ? format.nullable : typeof key === 'string' && format.pattern.test(key);
  if (!keyValid || typeof id !== 'string' || !isUuid(id) || (approximate !== 0 && approximate !== 1)) {
    throw invalidCursor('is not a cursor this API issued');
  }
  return { sort: cursorSort as ProductSort, key: key as string | null, id, approximate: approximate === 1 };
}

function invalidCursor(message: string): AppError {
  return new AppError('request.invalid_cursor', 400, `The cursor ${message}.`, {
    errors: [{ in: 'querystring', field: 'cursor', message }],
  });
}
