import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { Tx } from './tx.js';

interface Prepared<P, R> {
  execute(values?: P): Promise<R>;
}

/**
 * A hot query as a named prepared statement: Drizzle builds its SQL once per pooled connection and
 * PostgreSQL parses and plans it once per connection, instead of both doing it on every request.
 * Values go in through `sql.placeholder(name)`.
 */
export function preparedQuery<P extends Record<string, unknown>, R>(
  name: string,
  build: (db: NodePgDatabase) => { prepare(name: string): Prepared<P, R> },
): (tx: Tx, values: P) => Promise<R> {
  const byConnection = new WeakMap<NodePgDatabase, Prepared<P, R>>();
  return (tx, values) => {
    let prepared = byConnection.get(tx.db);
    if (!prepared) {
      prepared = build(tx.db).prepare(name);
      byConnection.set(tx.db, prepared);
    }
    return prepared.execute(values);
  };
}
