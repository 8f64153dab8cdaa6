import type { Tx } from './tx.js';

/** A row as PostgreSQL sends it in text format: one string per column, null for SQL NULL. */
export type TextRow = readonly (string | null)[];

/** What of pg's connection a custom query uses (the protocol messages it sends, and pg's statement book). */
interface PgConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parsedStatements: Record<string, string | undefined>;
  submittedNamedStatements: Record<string, string | undefined>;
  parse(query: { text: string; name: string; types: unknown[] }): void;
  bind(config: { statement: string; values: readonly (string | null)[] }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

const NO_TYPES: unknown[] = [];

/**
 * One execution of a named prepared statement, in pg's "submittable" protocol (the one pg-cursor
 * uses). Unlike pg's own Query it does not ask PostgreSQL to describe the result on every execution
 * (the caller knows its columns) and hands back rows as their column texts, so no result object,
 * field list or type parsers are built per query.
 */
class TextRowsQuery {
  /** Set by pg when it wraps the callback (e.g. for `query_timeout`); called once. */
  callback: ((error: Error | null, rows?: TextRow[]) => void) | undefined;
  private readonly rows: TextRow[] = [];

  constructor(
    readonly name: string,
    readonly text: string,
    private readonly values: readonly (string | null)[],
  ) {}

  submit(connection: PgConnection): Error | null {
    const { name, text } = this;
    const previous = connection.parsedStatements[name] ?? connection.submittedNamedStatements[name];
    if (previous !== undefined && previous !== text) {
      return new Error(`Prepared statements must be unique - '${name}' was used for a different statement`);
    }
    connection.stream.cork?.();
    try {
      if (previous === undefined) {
        connection.parse({ text, name, types: NO_TYPES });
        connection.submittedNamedStatements[name] = text;
      }
      connection.bind({ statement: name, values: this.values });
      connection.execute({ portal: '', rows: 0 });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleDataRow(message: { fields: TextRow }): void {
    this.rows.push(message.fields);
  }

  handleReadyForQuery(): void {
    this.callback?.(null, this.rows);
  }

  handleError(error: Error): void {
    this.callback?.(error);
  }

  // The statement has no result description requested, portal limit or COPY: nothing to do for these.
  handleRowDescription(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: PgConnection): void {
    connection.sendCopyFail('No source stream defined');
  }
  handleCopyData(): void {}
}

/**
 * A hot read as a named prepared statement on the unit of work's connection, answered as text rows:
 * PostgreSQL parses and plans it once per connection, and nothing is described, parsed into types
 * or mapped per execution. For reads on every page load whose columns are few and known (format
 * timestamps in SQL with `isoTimestamp`). Values are passed as text, like pg does.
 */
export function preparedRows(
  name: string,
  text: string,
): (tx: Tx, values: readonly (string | null)[]) => Promise<TextRow[]> {
  return (tx, values) =>
    new Promise((resolve, reject) => {
      const query = new TextRowsQuery(name, text, values);
      query.callback = (error, rows) => (error ? reject(error) : resolve(rows!));
      tx.client.query(query as never);
    });
}

/**
 * SQL for a timestamptz column as JSON's ISO-8601 text in UTC with milliseconds, exactly as
 * `Date.prototype.toISOString` writes it (e.g. `2026-11-22T01:02:03.456Z`; microseconds are dropped).
 */
export function isoTimestamp(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
