import pg from 'pg';

/**
 * Makes transactions that update `table` wait at their commit until released, so a test can act in
 * the moment between a change and its commit (race tests, without sleeping). A deferred constraint
 * trigger takes an advisory lock this helper holds.
 */
export async function holdCommitsOf(ownerUrl: string, table: string) {
  const lock = 74_252;
  const holder = new pg.Client({ connectionString: ownerUrl });
  await holder.connect();
  await holder.query(`CREATE OR REPLACE FUNCTION test_hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_xact_lock(${lock}); RETURN NULL; END $$`);
  await holder.query(`CREATE CONSTRAINT TRIGGER test_hold_commit AFTER UPDATE ON ${table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_hold_commit()`);
  await holder.query('SELECT pg_advisory_lock($1)', [lock]);
  let held = true;
  const release = async () => {
    if (held) await holder.query('SELECT pg_advisory_unlock($1)', [lock]);
    held = false;
  };
  return {
    /** Resolves once a transaction is waiting at the held commit. */
    async waitUntilWaiting() {
      for (let i = 0; i < 2_000; i++) {
        const { rows } = await holder.query(
          "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted",
          [lock],
        );
        if (rows.length > 0) return;
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error('no transaction reached the held commit');
    },
    release,
    async drop() {
      await release();
      await holder.query(`DROP TRIGGER IF EXISTS test_hold_commit ON ${table}`);
      await holder.query('DROP FUNCTION IF EXISTS test_hold_commit()');
      await holder.end();
    },
  };
}
