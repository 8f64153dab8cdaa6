import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../src/db/embedded.js';
import { withDatabase } from '../src/db/urls.js';

/** The PostgreSQL server tests run on: DATABASE_URL when set, else an embedded one made for the run. */
export interface TestServer {
  /** Owner URL of the server's maintenance database (for CREATE/DROP DATABASE). */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const given = process.env['DATABASE_URL'];
  if (given) return { adminUrl: given, stop: async () => {} };
  const dataDir = mkdtempSync(path.join(tmpdir(), 'carsi-test-'));
  let embedded: EmbeddedDatabase;
  try {
    embedded = await startEmbeddedDatabase(dataDir);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    adminUrl: withDatabase(embedded.url, 'postgres'),
    async stop() {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
