import pg from 'pg';

/**
 * Keys of the session advisory locks this program takes. Every start-up schema change (migrations,
 * grants, job queue partitions) shares one key: they touch the same catalog rows, so they cannot
 * interleave even when they are different kinds of work.
 */
export const LOCK_KEYS = {
  schemaChanges: 0x0ca751,
  /** With a hash of the message id (the two-key form): one worker at a time sends an outbox message. */
  outboundMessage: 0x0ca752,
} as const;

/**
 * Runs `fn` while holding a PostgreSQL session advisory lock on its own connection, so processes
 * starting together do the work one after the other instead of racing.
 */
export async function withAdvisoryLock<T>(
  url: string,
  key: number,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'carsi-startup' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [key]);
    return await fn(client);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {});
    await client.end();
  }
}
