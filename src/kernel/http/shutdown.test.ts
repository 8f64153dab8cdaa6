import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { withTx } from '../../db/tx.js';
import { audit } from '../audit/audit.js';
import { systemContext } from '../context.js';

describe('graceful shutdown', () => {
  let t: TestApp;
  let baseUrl: string;
  beforeAll(async () => {
    t = await createTestApp({
      routes: (app) => {
        // A write that is still running when the server is asked to close.
        app.post('/api/v1/probe/slow-write', async (request) => {
          await withTx(request.ctx, async (tx) => {
            await audit(tx, { action: 'probe.slow_write', entityType: 'probe', entityId: null });
            await new Promise((resolve) => setTimeout(resolve, 600));
          });
          return { done: true };
        });
      },
    });
    baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t?.close());

  it('finishes in-flight requests, then refuses new connections', async () => {
    const inFlight = fetch(`${baseUrl}/api/v1/probe/slow-write`, { method: 'POST' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const closing = t.app.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`${baseUrl}/health`)).rejects.toThrow();

    // The write committed whole: its audit row is there for its tenant.
    const written = await withTx(systemContext(t.runtime, await t.tenantId('demo')), (tx) =>
      tx.db.execute(sql`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'probe.slow_write'`),
    );
    expect(written.rows[0]).toEqual({ n: 1 });
  });
});
