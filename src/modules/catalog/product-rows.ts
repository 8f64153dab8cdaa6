import { and, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/tx.js';
import { notFound } from './errors.js';
import { type ProductRow, products } from './schema.js';

/** A product that exists and is not deleted, or 404. */
export async function liveProduct(tx: Tx, id: string): Promise<ProductRow> {
  const [row] = await tx.db
    .select()
    .from(products)
    .where(and(eq(products.id, id), isNull(products.deletedAt)))
    .limit(1);
  if (!row) throw notFound('product');
  return row;
}

/**
 * The same, locked until the transaction ends: every change to a product or its parts (variants,
 * images, values) takes this lock first, so two edits of one product apply one after the other and
 * checks such as "not the last variant" hold when they commit.
 */
export async function lockLiveProduct(tx: Tx, id: string): Promise<ProductRow> {
  const [row] = await tx.db
    .select()
    .from(products)
    .where(and(eq(products.id, id), isNull(products.deletedAt)))
    .for('update')
    .limit(1);
  if (!row) throw notFound('product');
  return row;
}
