import type { Database } from '../../db/database.js';

export interface ReadinessReport {
  ready: boolean;
  checks: {
    database: 'ok' | 'unreachable';
    migrations: 'current' | 'pending' | 'unknown';
    jobWorkers: 'running' | 'stopped' | 'disabled';
  };
  /** Problems an operator should see that do not make the process unready (e.g. TRUST_PROXY). */
  warnings: string[];
}

export interface ReadinessInputs {
  db: Database;
  expectedMigrations: number;
  /** null when this process runs no workers (`serve --no-worker`): they live in other processes. */
  workersRunning: (() => boolean) | null;
  /** Warnings gathered while serving (see ForwardedHeaderWatch); none when absent. */
  warnings?: (() => string[]) | undefined;
}

/** Ready means: the database answers as the application role, its schema is this build's, and workers run. */
export async function checkReadiness(inputs: ReadinessInputs): Promise<ReadinessReport> {
  let database: ReadinessReport['checks']['database'] = 'ok';
  let migrations: ReadinessReport['checks']['migrations'] = 'unknown';
  try {
    const { rows } = await inputs.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations',
    );
    migrations = (rows[0]?.n ?? 0) >= inputs.expectedMigrations ? 'current' : 'pending';
  } catch {
    database = 'unreachable';
  }
  const jobWorkers =
    inputs.workersRunning === null ? 'disabled' : inputs.workersRunning() ? 'running' : 'stopped';
  return {
    ready: database === 'ok' && migrations === 'current' && jobWorkers !== 'stopped',
    checks: { database, migrations, jobWorkers },
    warnings: inputs.warnings?.() ?? [],
  };
}
