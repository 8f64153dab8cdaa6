import { type TSchema, Type } from '@sinclair/typebox';
import { AppError } from './errors.js';
import { isUuid } from './uuid.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `?limit=&cursor=` for every list route. */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
};

export function pageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
  });
}
export type Page<T> = { items: T[]; nextCursor: string | null };

/**
 * Cursors are opaque to clients: the base64url of the last item's id (ids are UUIDv7, so they sort by
 * creation time). A cursor that does not decode to an id is a 400, not an empty page.
 */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id))
    throw new AppError('request.invalid_cursor', 400, 'The cursor is not one this API issued.');
  return id;
}

/** Turns `limit + 1` rows into a page: the extra row only tells that there is a next page. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  idOf: (row: R) => string,
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last ? Buffer.from(idOf(last), 'utf8').toString('base64url') : null,
  };
}

export interface PageQueryValues {
  limit: number;
  cursor?: string | undefined;
}
