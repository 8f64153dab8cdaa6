import { expect } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/app.js';
import type { apiCaller } from '../../../../test/http.js';
import { makeUser, type SignedIn, signIn } from '../../../../test/identity.js';
import { asTenant, withTx } from '../../../db/tx.js';
import { systemContext } from '../../../kernel/context.js';
import { JobRunner } from '../../../kernel/jobs/runner.js';
import { multipartBody } from '../../files/fixtures.js';
import { ensureBuiltInRoles } from '../../identity/index.js';
import { createTenant } from '../../tenancy/index.js';
import { ean13CheckDigit } from '../barcodes.js';

/*
 * Helpers for the import and export tests: the app with the import routes, CSV uploads through the
 * files API, job workers, and waiting for an import to finish.
 */

export const IMPORT_ROUTE = { method: 'POST', url: '/api/v1/products/import' } as const;

export function importTestApp(): Promise<TestApp> {
  return createTestApp();
}

/** Works the job queues in this process, as `carsi serve` does. */
export async function startWorkers(t: TestApp): Promise<void> {
  await new JobRunner(t.runtime, t.metrics).start();
}

export type Api = ReturnType<typeof apiCaller>;

/** Uploads `csv` as an import file and returns its id. */
export async function uploadCsv(t: TestApp, auth: SignedIn, csv: string | Buffer, filename = 'urunler.csv') {
  const { payload, headers } = multipartBody([
    { name: 'purpose', value: 'import' },
    {
      name: 'file',
      filename,
      contentType: 'text/csv',
      data: typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv,
    },
  ]);
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/files',
    headers: { ...auth.auth, ...headers },
    payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { id: string }).id;
}

export interface ImportBody {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  fileId: string;
  totalRows: number | null;
  processedRows: number;
  createdCount: number;
  updatedCount: number;
  errorCount: number;
  errors: { row: number; field: string | null; message: string }[];
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Polls the import until it has finished (the job workers must be running). */
export async function waitForImport(
  api: Api,
  id: string,
  auth?: SignedIn,
  timeoutMs = 60_000,
): Promise<ImportBody> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const response = await api('GET', `/products/imports/${id}`, auth ? { auth } : {});
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as ImportBody;
    if (body.status === 'completed' || body.status === 'failed') return body;
    if (Date.now() > until) throw new Error(`import ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Uploads the CSV, starts its import as `auth` and waits for the outcome. */
export async function importCsv(
  t: TestApp,
  api: Api,
  auth: SignedIn,
  csv: string | Buffer,
): Promise<ImportBody> {
  const fileId = await uploadCsv(t, auth, csv);
  const started = await api('POST', '/products/import', { auth, payload: { fileId } });
  expect(started.statusCode, started.body).toBe(202);
  return waitForImport(api, (started.json() as ImportBody).id, auth);
}

/** Thirteen digits with a correct EAN-13 check digit. */
export function ean13(first12: string): string {
  return first12 + ean13CheckDigit(first12);
}

/** The same with a wrong check digit. */
export function badEan13(first12: string): string {
  return first12 + ((ean13CheckDigit(first12) + 1) % 10);
}

/** A second tenant with its built-in roles and a super admin, signed in. */
export async function otherTenantAdmin(t: TestApp, slug: string): Promise<SignedIn> {
  await withTx(systemContext(t.runtime, null), async (tx) => {
    const tenant = await createTenant(tx, { slug, name: `Kiracı ${slug}` });
    await asTenant(tx, tenant.id, ensureBuiltInRoles);
  });
  const email = `yonetici@${slug}.test`;
  await makeUser(t, { email, password: 'Baska-Kiraci-2024!', roles: ['super_admin'] }, slug);
  return signIn(t.app, email, 'Baska-Kiraci-2024!', { tenant: slug });
}

/** CSV text from rows of cells (no quoting needed by the callers' cells). */
export function csvText(rows: readonly (readonly string[])[], delimiter = ','): string {
  return rows.map((cells) => cells.join(delimiter)).join('\r\n') + '\r\n';
}
