import { buffer } from 'node:stream/consumers';
import { TextDecoder } from 'node:util';
import { eq } from 'drizzle-orm';
import { type Tx, withTx } from '../../../db/tx.js';
import { audit } from '../../../kernel/audit/audit.js';
import { type RequestContext, type Runtime, systemContext } from '../../../kernel/context.js';
import { AppError } from '../../../kernel/errors.js';
import type { EventEnvelope } from '../../../kernel/events/emit.js';
import { emit } from '../../../kernel/events/emit.js';
import type { JobInfo, JobRegistry } from '../../../kernel/events/registry.js';
import { getFile, storageFor } from '../../files/index.js';
import { type CatalogImportRow, catalogImports, type ImportRowError } from '../schema.js';
import { contentLocaleFor } from '../texts.js';
import { readHeader } from './columns.js';
import { CsvSyntaxError, CsvTooLongError, parseCsv } from './csv.js';
import { groupRows, type ImportUnit, readDraft } from './drafts.js';
import { IMPORT_REQUESTED, type ImportRequestedPayload } from './import.service.js';
import { RowProblems, SlugLookups, type UpsertResult, upsertProduct } from './upsert.js';

/*
 * The import job. Products are written in batches, one transaction per batch and one savepoint per
 * product, so a bad product is reported and skipped without undoing the others. Each batch's
 * transaction also moves the import's counters, so the progress a client polls and the products in the
 * database always agree, and `processed_rows` says exactly where to resume: an import interrupted by a
 * crash is picked up by the job's retry at the first product not yet committed. Running a batch twice
 * could not duplicate anything anyway (products are matched by external id, variants by SKU), and two
 * runs of one import take turns on its row lock.
 */

/** Retries after the first attempt before the import is marked failed. */
export const IMPORT_RETRY_LIMIT = 4;
/** Row errors kept in the import's report; `errorCount` counts all of them. */
export const MAX_STORED_ERRORS = 1000;
/** Data rows one file may have (a 20 MB file of short rows would otherwise take much memory). */
export const MAX_IMPORT_ROWS = 100_000;

const DEFAULT_BATCH_SIZE = 25;
// A run hands over to a fresh job after this long, so no single job outlives its expiry (after which
// the queue would take it for lost and start a second one).
const DEFAULT_TIME_BUDGET_MS = 5 * 60_000;

type ImportEvent = EventEnvelope<ImportRequestedPayload>;

export function registerImportJobs(registry: JobRegistry): void {
  registry.subscribe<ImportEvent>(IMPORT_REQUESTED, 'run', handleImportEvent, {
    // Imports are heavy and each one is sequential anyway: one at a time per worker process.
    concurrency: 1,
    retryLimit: IMPORT_RETRY_LIMIT,
    retryDelaySeconds: 15,
    retryBackoff: true,
    expireInSeconds: 15 * 60,
  });
}

/**
 * The subscriber. A failure is retried (and resumes); after the last retry the import is marked failed
 * rather than left "running" for ever, and the error still propagates to the dead-letter queue.
 */
export async function handleImportEvent(event: ImportEvent, runtime: Runtime, job: JobInfo): Promise<void> {
  const { importId } = event.payload;
  try {
    await runImport(runtime, event.tenantId, importId, { requestId: event.requestId });
  } catch (error) {
    if (job.retryCount >= IMPORT_RETRY_LIMIT) {
      runtime.log.error({ err: error, importId }, 'catalog import given up after its last attempt');
      const ctx = systemContext(runtime, event.tenantId, event.requestId);
      await failImport(ctx, importId, [
        {
          row: 0,
          field: null,
          message:
            'The import stopped on an unexpected error and was given up. The products it wrote are kept; ' +
            'importing the file again is safe: existing products are updated, not duplicated.',
        },
      ]).catch((markError: unknown) => {
        runtime.log.error({ err: markError, importId }, 'could not mark the catalog import failed');
      });
    }
    throw error;
  }
}

export interface RunOptions {
  requestId?: string | null;
  /** Products per transaction. */
  batchSize?: number;
  /** After this long a run queues its own continuation and returns. */
  timeBudgetMs?: number;
}

export type RunOutcome = 'completed' | 'failed' | 'continued' | 'skipped';

/** Runs (or resumes) one import; safe to call for an import that has finished (it does nothing). */
export async function runImport(
  runtime: Runtime,
  tenantId: string,
  importId: string,
  options: RunOptions = {},
): Promise<RunOutcome> {
  const started = Date.now();
  const ctx = systemContext(runtime, tenantId, options.requestId ?? null);
  const row = await withTx(
    ctx,
    async (tx) =>
      (await tx.db.select().from(catalogImports).where(eq(catalogImports.id, importId)).limit(1))[0],
    { readOnly: true },
  );
  if (!row || row.status === 'completed' || row.status === 'failed') return 'skipped';

  const file = await readImportFile(ctx, row.fileId);
  if ('problems' in file) {
    await failImport(ctx, importId, file.problems);
    return 'failed';
  }
  const { units, totalRows } = file;
  const contentLocale = await withTx(ctx, async (tx) => {
    const [current] = await lockImport(tx, importId);
    if (current?.status !== 'queued' && current?.status !== 'running') return null;
    await tx.db
      .update(catalogImports)
      .set({ status: 'running', startedAt: current.startedAt ?? new Date(), totalRows })
      .where(eq(catalogImports.id, importId));
    return contentLocaleFor(tx);
  });
  if (contentLocale === null) return 'skipped';

  // Where each unit starts, counted in rows: `processed_rows` is always one of these.
  const unitAt = new Map<number, number>();
  let rowsBefore = 0;
  units.forEach((unit, index) => {
    unitAt.set(rowsBefore, index);
    rowsBefore += unit.rows.length;
  });
  unitAt.set(rowsBefore, units.length);

  const batch = { units, unitAt, contentLocale, size: options.batchSize ?? DEFAULT_BATCH_SIZE };
  for (;;) {
    const step = await withTx(ctx, (tx) => runBatch(tx, importId, batch));
    if (step !== 'more') return step === 'done' ? 'completed' : 'skipped';
    if (Date.now() - started >= (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS)) {
      await withTx(ctx, (tx) => emit<ImportRequestedPayload>(tx, IMPORT_REQUESTED, { importId }));
      return 'continued';
    }
  }
}

function lockImport(tx: Tx, importId: string): Promise<CatalogImportRow[]> {
  return tx.db.select().from(catalogImports).where(eq(catalogImports.id, importId)).for('update');
}

/** The file's products in file order, or why the file cannot be imported at all. */
async function readImportFile(
  ctx: RequestContext,
  fileId: string,
): Promise<{ units: ImportUnit[]; totalRows: number } | { problems: ImportRowError[] }> {
  const whole = (message: string) => ({ problems: [{ row: 0, field: null, message }] });
  let storageKey: string;
  try {
    storageKey = (await withTx(ctx, (tx) => getFile(tx, fileId), { readOnly: true })).storageKey;
  } catch (error) {
    if (error instanceof AppError && error.status === 404)
      return whole('The file was deleted before it could be read.');
    throw error;
  }
  // Storage is read outside any transaction (it may be a network call); its failures are retried.
  const object = await storageFor(ctx.runtime.config).get(storageKey);
  if (!object) return whole('The file’s content is missing from storage; upload it again.');
  // Read failures propagate (and are retried); only the decoding is the file's own fault.
  const bytes = await buffer(object.body);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return whole('The file is not UTF-8 text; save it as "CSV UTF-8".');
  }
  let records: ReturnType<typeof parseCsv>['records'];
  try {
    records = parseCsv(text, { maxDataRows: MAX_IMPORT_ROWS }).records;
  } catch (error) {
    if (error instanceof CsvSyntaxError)
      return { problems: [{ row: error.row, field: null, message: error.message }] };
    if (error instanceof CsvTooLongError) {
      return whole(`The file has more than ${error.maxDataRows} rows; split it into several files.`);
    }
    throw error;
  }
  const [first, ...data] = records;
  if (!first) return whole('The file is empty: it needs a header row with the column names.');
  const header = readHeader(first.cells);
  if ('problems' in header) return { problems: header.problems };
  return { units: groupRows(header.header, data), totalRows: data.length };
}

interface Batch {
  units: readonly ImportUnit[];
  unitAt: ReadonlyMap<number, number>;
  contentLocale: string;
  size: number;
}

/**
 * Writes the next products after `processed_rows`, and the counters with them; the last batch also
 * completes the import. 'stopped' when the import is no longer running (finished by another run).
 */
async function runBatch(tx: Tx, importId: string, batch: Batch): Promise<'more' | 'done' | 'stopped'> {
  const [current] = await lockImport(tx, importId);
  if (current?.status !== 'running') return 'stopped';
  const start = batch.unitAt.get(current.processedRows);
  // Files never change once stored, so a count of rows that falls inside a product cannot happen.
  if (start === undefined) throw new Error(`import ${importId}: processed_rows is not at a product boundary`);

  const lookups = new SlugLookups(batch.contentLocale);
  const tally = { rows: 0, created: 0, updated: 0, problems: [] as ImportRowError[] };
  for (const unit of batch.units.slice(start, start + batch.size)) {
    tally.rows += unit.rows.length;
    const read = readDraft(unit);
    if ('problems' in read) {
      tally.problems.push(...read.problems);
      continue;
    }
    const result = await inSavepoint(tx, () => upsertProduct(tx, read.draft, lookups, batch.contentLocale));
    if (Array.isArray(result)) tally.problems.push(...result);
    else if (result === 'created') tally.created++;
    else if (result === 'updated') tally.updated++;
  }

  const done = start + batch.size >= batch.units.length;
  const [after] = await tx.db
    .update(catalogImports)
    .set({
      processedRows: current.processedRows + tally.rows,
      createdCount: current.createdCount + tally.created,
      updatedCount: current.updatedCount + tally.updated,
      errorCount: current.errorCount + tally.problems.length,
      errors: keptErrors(current.errors, tally.problems),
      ...(done ? { status: 'completed' as const, finishedAt: new Date() } : {}),
    })
    .where(eq(catalogImports.id, importId))
    .returning();
  if (done) {
    await audit(tx, {
      action: 'catalog_import.completed',
      entityType: 'catalog_import',
      entityId: importId,
      after: counters(after!),
    });
  }
  return done ? 'done' : 'more';
}

function keptErrors(stored: ImportRowError[], added: ImportRowError[]): ImportRowError[] {
  return stored.length >= MAX_STORED_ERRORS ? stored : [...stored, ...added].slice(0, MAX_STORED_ERRORS);
}

function counters(row: CatalogImportRow) {
  const { totalRows, processedRows, createdCount, updatedCount, errorCount } = row;
  return { status: row.status, totalRows, processedRows, createdCount, updatedCount, errorCount };
}

const SAVEPOINT = 'catalog_import_product';

/** Runs one product's writes; on RowProblems they are undone and the problems returned. */
async function inSavepoint(
  tx: Tx,
  write: () => Promise<UpsertResult>,
): Promise<UpsertResult | ImportRowError[]> {
  await tx.client.query(`SAVEPOINT ${SAVEPOINT}`);
  try {
    const result = await write();
    await tx.client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return result;
  } catch (error) {
    await tx.client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}`);
    if (error instanceof RowProblems) return error.problems;
    throw error;
  }
}

/** Marks a queued or running import failed, with the problems that ended it. */
export async function failImport(
  ctx: RequestContext,
  importId: string,
  problems: ImportRowError[],
): Promise<void> {
  await withTx(ctx, async (tx) => {
    const [current] = await lockImport(tx, importId);
    if (current?.status !== 'queued' && current?.status !== 'running') return;
    const [after] = await tx.db
      .update(catalogImports)
      .set({
        status: 'failed',
        finishedAt: new Date(),
        errorCount: current.errorCount + problems.length,
        errors: keptErrors(current.errors, problems),
      })
      .where(eq(catalogImports.id, importId))
      .returning();
    await audit(tx, {
      action: 'catalog_import.failed',
      entityType: 'catalog_import',
      entityId: importId,
      after: { ...counters(after!), errors: problems.slice(0, 20) },
    });
  });
}
