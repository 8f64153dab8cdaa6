import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PoolClient } from 'pg';
import type { RequestContext } from '../kernel/context.js';
import { isUuid } from '../kernel/uuid.js';

export interface Tx {
  /** Typed queries (Drizzle) on this unit of work's connection. */
  db: NodePgDatabase;
  /** The same connection, for the rare raw statement (job enqueueing, locks). */
  client: PoolClient;
  ctx: RequestContext;
  /**
   * Runs `fn` once the transaction has committed (never when it rolls back): for in-process effects
   * such as dropping a cache entry, which done earlier could be refilled with the old state by a
   * concurrent request before the commit.
   */
  afterCommit(fn: () => void): void;
  /**
   * Work done once at the end of the unit of work, just before the commit, for what many calls in it
   * gather (the products whose pages to rebuild, say): the first call with a key starts its state,
   * every call gets that state to add to. The work gets the unit of work as it began, so it runs as
   * its tenant even when the gathering call ran inside `asTenant`; pass the tenant in the key then.
   */
  beforeCommit<S>(key: string, start: () => S, work: (state: S, tx: Tx) => Promise<void>): S;
}

export interface TxOptions {
  /**
   * Read-only work: runs on the read replica when one is configured, without BEGIN/COMMIT. Under
   * READ COMMITTED each statement takes its own snapshot even inside a transaction, so wrapping reads
   * adds two round trips and no consistency; every statement is still its own transaction under RLS.
   */
  readOnly?: boolean;
  /** With readOnly: all statements see one snapshot (BEGIN REPEATABLE READ READ ONLY). */
  snapshot?: boolean;
}

interface Connection {
  db: NodePgDatabase;
  /** The session-level `app.tenant_id` this connection carries ('' = none); null while unknown. */
  sessionTenant: string | null;
}

// A pooled connection lives for many units of work: its Drizzle wrapper is built once, and its session
// tenant is remembered so a run of requests for the same tenant does not set it again each time.
const connections = new WeakMap<PoolClient, Connection>();

function connectionOf(client: PoolClient): Connection {
  let connection = connections.get(client);
  if (!connection) {
    // A new session has no tenant set, which reads the same as an empty one.
    connection = { db: drizzle({ client, casing: 'snake_case' }), sessionTenant: '' };
    connections.set(client, connection);
  }
  return connection;
}

// The last tenant id checked, so a run of requests for one tenant does not test the pattern each time.
let checkedTenantId: string | null = null;
let checkedLiteral = '';

function tenantLiteral(tenantId: string | null): string {
  if (tenantId === null) return '';
  if (tenantId === checkedTenantId) return checkedLiteral;
  // Inlined into SQL below (it saves a round trip), so it must be exactly a UUID.
  if (!isUuid(tenantId)) throw new Error('withTx: tenant id is not a UUID');
  checkedLiteral = tenantId.toLowerCase();
  checkedTenantId = tenantId;
  return checkedLiteral;
}

/** A unit of work's handle; effects to run after the commit are kept only when there are any. */
class UnitOfWork implements Tx {
  private committed: (() => void)[] | undefined;

  constructor(
    readonly db: NodePgDatabase,
    readonly client: PoolClient,
    readonly ctx: RequestContext,
  ) {}

  // An own property (not a method), so a copy made with spread (`{ ...tx, ctx }`) keeps it.
  readonly afterCommit = (effect: () => void): void => {
    if (this.committed) this.committed.push(effect);
    else this.committed = [effect];
  };

  private pending:
    | Map<string, { state: unknown; work: (state: unknown, tx: Tx) => Promise<void> }>
    | undefined;

  readonly beforeCommit = <S>(key: string, start: () => S, work: (state: S, tx: Tx) => Promise<void>): S => {
    this.pending ??= new Map();
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { state: start(), work: work as (state: unknown, tx: Tx) => Promise<void> };
      this.pending.set(key, entry);
    }
    return entry.state as S;
  };

  /** Runs the gathered work in the order its keys were first used; work may gather more, run after it. */
  async runBeforeCommit(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    for (let next = pending.entries().next(); !next.done; next = pending.entries().next()) {
      const [key, entry] = next.value;
      pending.delete(key);
      await entry.work(entry.state, this);
    }
  }

  runCommitted(): void {
    if (this.committed) for (const effect of this.committed) effect();
  }
}

/**
 * Runs `fn` as one unit of work with the context's tenant set for row-level security.
 * Writes: one transaction (BEGIN and the transaction-local tenant travel in one round trip); commits
 * when `fn` resolves, rolls back when it throws. Reads (`readOnly`): see TxOptions.
 */
export function withTx<T>(
  ctx: RequestContext,
  fn: (tx: Tx) => Promise<T>,
  options: TxOptions = {},
): Promise<T> {
  return options.readOnly && !options.snapshot ? read(ctx, fn) : transaction(ctx, fn, options);
}

/** Reads without a transaction: the tenant is the connection's session setting, set when it changes. */
async function read<T>(ctx: RequestContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const tenant = tenantLiteral(ctx.tenantId);
  const client = await ctx.runtime.db.readPool.connect();
  const connection = connectionOf(client);
  let broken: Error | undefined;
  try {
    if (connection.sessionTenant !== tenant) {
      connection.sessionTenant = null;
      await client.query(`SELECT set_config('app.tenant_id', '${tenant}', false)`);
      connection.sessionTenant = tenant;
    }
    const tx = new UnitOfWork(connection.db, client, ctx);
    const result = await fn(tx);
    await tx.runBeforeCommit();
    tx.runCommitted();
    return result;
  } catch (error) {
    // A connection whose session tenant is unknown (its switch failed) is not reused.
    if (connection.sessionTenant === null) broken = asError(error);
    throw error;
  } finally {
    client.release(broken ?? false);
  }
}

async function transaction<T>(
  ctx: RequestContext,
  fn: (tx: Tx) => Promise<T>,
  options: TxOptions,
): Promise<T> {
  const { db } = ctx.runtime;
  const tenant = tenantLiteral(ctx.tenantId);
  const client = await (options.readOnly ? db.readPool : db.pool).connect();
  const connection = connectionOf(client);
  let broken: Error | undefined;
  try {
    const tx = new UnitOfWork(connection.db, client, ctx);
    const begin = options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN';
    try {
      await client.query(`${begin}; SELECT set_config('app.tenant_id', '${tenant}', true)`);
    } catch (error) {
      // Half a start may leave an aborted transaction open on the connection: never reuse it.
      broken = asError(error);
      throw error;
    }
    try {
      const result = await fn(tx);
      await tx.runBeforeCommit();
      await client.query('COMMIT');
      tx.runCommitted();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = asError(rollbackError);
      });
      throw error;
    }
  } catch (error) {
    // A connection whose session tenant is unknown (its switch failed) is not reused.
    if (connection.sessionTenant === null) broken ??= asError(error);
    throw error;
  } finally {
    // Dropped from the pool: a connection that could not start or roll back, or whose tenant is unknown.
    client.release(broken ?? false);
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Runs `fn` inside the current write transaction as another tenant (or the platform, with null), then
 * switches back. For platform work that must write a tenant's rows in the same transaction, such as
 * creating a tenant together with its roles.
 */
export async function asTenant<T>(tx: Tx, tenantId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const set = (id: string | null) =>
    tx.client.query(`SELECT set_config('app.tenant_id', '${tenantLiteral(id)}', true)`);
  await set(tenantId);
  try {
    return await fn({ ...tx, ctx: { ...tx.ctx, tenantId } });
  } finally {
    await set(tx.ctx.tenantId);
  }
}
