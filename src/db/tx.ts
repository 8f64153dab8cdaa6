import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PoolClient } from 'pg';
import type { RequestContext } from '../kernel/context.js';

export interface Tx {
  /** Typed queries (Drizzle) on this transaction's connection. */
  db: NodePgDatabase;
  /** The same connection, for the rare raw statement (job enqueueing, locks). */
  client: PoolClient;
  ctx: RequestContext;
}

export interface TxOptions {
  /** Runs on the read replica when one is configured, in a READ ONLY transaction. */
  readOnly?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// A pooled connection lives for many transactions; its Drizzle wrapper is built once, not per request.
const drizzleByClient = new WeakMap<PoolClient, NodePgDatabase>();

function drizzleFor(client: PoolClient): NodePgDatabase {
  let db = drizzleByClient.get(client);
  if (!db) {
    db = drizzle({ client, casing: 'snake_case' });
    drizzleByClient.set(client, db);
  }
  return db;
}

/**
 * Runs `fn` in one transaction with the context's tenant set for row-level security
 * (`set_config('app.tenant_id', …, true)`: local to this transaction, gone at COMMIT or ROLLBACK).
 * Commits when `fn` resolves, rolls back when it throws.
 */
export async function withTx<T>(
  ctx: RequestContext,
  fn: (tx: Tx) => Promise<T>,
  options: TxOptions = {},
): Promise<T> {
  const { db } = ctx.runtime;
  const client = await (options.readOnly ? db.readPool : db.pool).connect();
  let released = false;
  try {
    // BEGIN and the tenant setting travel in one round trip; the id is checked to be a UUID before it is inlined.
    const begin = options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN';
    if (ctx.tenantId === null) {
      await client.query(begin);
    } else {
      if (!UUID.test(ctx.tenantId)) throw new Error('withTx: tenant id is not a UUID');
      await client.query(`${begin}; SELECT set_config('app.tenant_id', '${ctx.tenantId}', true)`);
    }
    try {
      const result = await fn({ db: drizzleFor(client), client, ctx });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        // A connection that cannot roll back is broken: drop it instead of returning it to the pool.
        client.release(rollbackError instanceof Error ? rollbackError : true);
        released = true;
      });
      throw error;
    }
  } finally {
    if (!released) client.release();
  }
}
