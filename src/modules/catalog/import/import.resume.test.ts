import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../../test/app.js';
import { apiCaller } from '../../../../test/http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../../test/identity.js';
import type { EventEnvelope } from '../../../kernel/events/emit.js';
import { csvText, importTestApp, uploadCsv } from './import.fixtures.js';
import { handleImportEvent, IMPORT_RETRY_LIMIT, runImport } from './import.job.js';
import { IMPORT_REQUESTED, type ImportRequestedPayload } from './import.service.js';
import { failOrphanedImports } from './import.watchdog.js';

/*
 * How the job behaves when runs are cut short, repeated or overlap. No job workers run in this file:
 * the tests call the job themselves, in the situations a crash, a retry or a second worker creates.
 */

const CSV = csvText([
  ['product_external_id', 'name_tr', 'sku', 'base_price'],
  ['DEVAM-1', 'Devam Bir', 'DV-1A', '1'],
  ['DEVAM-1', '', 'DV-1B', '2'],
  ['DEVAM-2', 'Devam İki', 'DV-2', '3'],
  ['DEVAM-3', 'Devam Üç', 'DV-3', '4'],
]);

interface ImportRow {
  status: string;
  total_rows: number | null;
  processed_rows: number;
  created_count: number;
  updated_count: number;
  error_count: number;
  errors: { row: number; field: string | null; message: string }[];
  started_at: Date | null;
  finished_at: Date | null;
}

describe('import job runs: interrupted, repeated, overlapping', () => {
  let t: TestApp;
  let admin: SignedIn;
  let tenantId: string;

  beforeAll(async () => {
    t = await importTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    tenantId = await t.tenantId('demo');
  });
  afterAll(() => t?.close());

  /** An import as POST /products/import leaves it, without the event (nothing else runs it). */
  async function queuedImport(fileId: string): Promise<string> {
    const id = uuidv7();
    await t.ownerQuery(`INSERT INTO catalog_imports (tenant_id, id, file_id) VALUES ($1, $2, $3)`, [
      tenantId,
      id,
      fileId,
    ]);
    return id;
  }
  const importRow = async (id: string) =>
    (await t.ownerQuery<ImportRow>('SELECT * FROM catalog_imports WHERE id = $1', [id]))[0]!;
  const products = async () =>
    (
      await t.ownerQuery<{ external_id: string; variants: number }>(
        `SELECT p.external_id, count(v.id)::int AS variants FROM products p
           JOIN product_variants v ON v.product_id = p.id AND v.deleted_at IS NULL
          WHERE p.external_id LIKE 'DEVAM-%' AND p.deleted_at IS NULL GROUP BY p.external_id ORDER BY 1`,
      )
    ).map((r) => [r.external_id, r.variants]);
  const continuations = async (id: string) =>
    (
      await t.ownerQuery<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->'payload'->>'importId' = $2`,
        [`${IMPORT_REQUESTED}/run`, id],
      )
    )[0]!.n;

  it('hands over to a new job when its time is up, and the next run resumes after the last committed product', async () => {
    const id = await queuedImport(await uploadCsv(t, admin, CSV));
    expect(await runImport(t.runtime, tenantId, id, { batchSize: 1, timeBudgetMs: 0 })).toBe('continued');
    const halfway = await importRow(id);
    expect(halfway).toMatchObject({ status: 'running', total_rows: 4, processed_rows: 2, created_count: 1 });
    expect(halfway.started_at).not.toBeNull();
    expect(halfway.finished_at).toBeNull();
    expect(await products()).toEqual([['DEVAM-1', 2]]);
    expect(await continuations(id)).toBe(1);

    expect(await runImport(t.runtime, tenantId, id, { batchSize: 1 })).toBe('completed');
    const done = await importRow(id);
    expect(done).toMatchObject({
      status: 'completed',
      processed_rows: 4,
      created_count: 3,
      updated_count: 0,
    });
    expect(done.started_at).toEqual(halfway.started_at);
    expect(await products()).toEqual([
      ['DEVAM-1', 2],
      ['DEVAM-2', 1],
      ['DEVAM-3', 1],
    ]);

    // A redelivered job for a finished import does nothing.
    expect(await runImport(t.runtime, tenantId, id)).toBe('skipped');
    expect(await importRow(id)).toEqual(done);
  });

  it('writes nothing twice when an import restarts from its first row', async () => {
    const id = await queuedImport(await uploadCsv(t, admin, CSV));
    await t.ownerQuery(`UPDATE catalog_imports SET status = 'running', processed_rows = 0 WHERE id = $1`, [
      id,
    ]);
    expect(await runImport(t.runtime, tenantId, id)).toBe('completed');
    expect(await importRow(id)).toMatchObject({
      processed_rows: 4,
      created_count: 0,
      updated_count: 0,
      error_count: 0,
    });
    expect(await products()).toEqual([
      ['DEVAM-1', 2],
      ['DEVAM-2', 1],
      ['DEVAM-3', 1],
    ]);
  });

  it('lets two runs of one import take turns, each product written once', async () => {
    const fresh = csvText([
      ['product_external_id', 'name_tr', 'sku', 'base_price'],
      ...Array.from({ length: 6 }, (_, i) => [`IKIZ-${i}`, `İkiz ${i}`, `IKZ-${i}`, '5']),
    ]);
    const id = await queuedImport(await uploadCsv(t, admin, fresh));
    const outcomes = await Promise.all([
      runImport(t.runtime, tenantId, id, { batchSize: 1 }),
      runImport(t.runtime, tenantId, id, { batchSize: 1 }),
    ]);
    expect(outcomes).toContain('completed');
    expect(await importRow(id)).toMatchObject({
      status: 'completed',
      processed_rows: 6,
      created_count: 6,
      error_count: 0,
    });
    const created = await t.ownerQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM products WHERE external_id LIKE 'IKIZ-%'`,
    );
    expect(created[0]!.n).toBe(6);
  });

  it('keeps a failing import queued for its retries, and marks it failed after the last one', async () => {
    const fileId = await uploadCsv(t, admin, CSV);
    const id = await queuedImport(fileId);
    // The stored bytes become unreadable (a directory where the file was): a storage fault, not the file's.
    const [file] = await t.ownerQuery<{ storage_key: string }>(
      'SELECT storage_key FROM files WHERE id = $1',
      [fileId],
    );
    const stored = path.join(t.runtime.config.files.dir, ...file!.storage_key.split('/'));
    rmSync(stored);
    mkdirSync(stored);

    const event: EventEnvelope<ImportRequestedPayload> = {
      eventId: uuidv7(),
      type: IMPORT_REQUESTED,
      tenantId,
      requestId: 'req-import',
      occurredAt: new Date().toISOString(),
      payload: { importId: id },
    };
    await expect(
      handleImportEvent(event, t.runtime, { id: 'job-1', retryCount: 0, retryLimit: IMPORT_RETRY_LIMIT }),
    ).rejects.toThrow();
    expect(await importRow(id)).toMatchObject({ status: 'queued', error_count: 0 });

    await expect(
      handleImportEvent(event, t.runtime, {
        id: 'job-1',
        retryCount: IMPORT_RETRY_LIMIT,
        retryLimit: IMPORT_RETRY_LIMIT,
      }),
    ).rejects.toThrow();
    const failed = await importRow(id);
    expect(failed).toMatchObject({
      status: 'failed',
      error_count: 1,
      errors: [
        { row: 0, field: null, message: expect.stringMatching(/^The import stopped on an unexpected error/) },
      ],
    });
    expect(failed.finished_at).not.toBeNull();
    const audits = await t.ownerQuery<{ action: string; request_id: string }>(
      'SELECT action, request_id FROM audit_logs WHERE entity_id = $1',
      [id],
    );
    expect(audits).toEqual([{ action: 'catalog_import.failed', request_id: 'req-import' }]);
  });

  it('fails an import whose file was deleted, and one that is not UTF-8 text', async () => {
    const fileId = await uploadCsv(t, admin, CSV);
    const id = await queuedImport(fileId);
    await t.ownerQuery('UPDATE files SET deleted_at = now() WHERE id = $1', [fileId]);
    expect(await runImport(t.runtime, tenantId, id)).toBe('failed');
    expect(await importRow(id)).toMatchObject({
      status: 'failed',
      errors: [{ row: 0, field: null, message: 'The file was deleted before it could be read.' }],
    });

    // Uploads are checked to be UTF-8; bytes changed in storage afterwards are still caught.
    const otherFile = await uploadCsv(t, admin, CSV);
    const other = await queuedImport(otherFile);
    const [file] = await t.ownerQuery<{ storage_key: string }>(
      'SELECT storage_key FROM files WHERE id = $1',
      [otherFile],
    );
    writeFileSync(
      path.join(t.runtime.config.files.dir, ...file!.storage_key.split('/')),
      Buffer.from([0x73, 0xc3, 0x28]),
    );
    expect(await runImport(t.runtime, tenantId, other)).toBe('failed');
    expect(await importRow(other)).toMatchObject({
      status: 'failed',
      errors: [{ row: 0, field: null, message: 'The file is not UTF-8 text; save it as "CSV UTF-8".' }],
    });
    expect(await products()).toEqual([
      ['DEVAM-1', 2],
      ['DEVAM-2', 1],
      ['DEVAM-3', 1],
    ]);
  });

  it('marks failed the imports no job will pick up again, and only those', async () => {
    const fileId = await uploadCsv(t, admin, CSV);
    const orphan = await queuedImport(fileId);
    const recent = await queuedImport(fileId);
    await t.ownerQuery(
      `UPDATE catalog_imports SET status = 'running', created_at = now() - interval '1 hour' WHERE id = $1`,
      [orphan],
    );
    // Started through the API: its job waits in the queue (no workers run here), so it is not orphaned.
    const started = await apiCaller(
      () => t.app,
      () => admin,
    )('POST', '/products/import', { payload: { fileId } });
    expect(started.statusCode, started.body).toBe(202);
    const waiting = (started.json() as { id: string }).id;
    await t.ownerQuery(`UPDATE catalog_imports SET created_at = now() - interval '1 hour' WHERE id = $1`, [
      waiting,
    ]);

    expect(await failOrphanedImports(t.runtime)).toBe(1);
    expect(await importRow(orphan)).toMatchObject({
      status: 'failed',
      errors: [
        {
          row: 0,
          field: null,
          message: expect.stringMatching(/^The import stopped and could not be resumed/),
        },
      ],
    });
    expect(await importRow(recent)).toMatchObject({ status: 'queued' });
    expect(await importRow(waiting)).toMatchObject({ status: 'queued' });
    expect(await failOrphanedImports(t.runtime)).toBe(0);
  });
});
