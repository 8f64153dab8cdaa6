import { desc, eq, lt } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import type { Tx } from '../../../db/tx.js';
import { audit } from '../../../kernel/audit/audit.js';
import { AppError } from '../../../kernel/errors.js';
import { emit } from '../../../kernel/events/emit.js';
import { getFile } from '../../files/index.js';
import { type CatalogImportRow, catalogImports } from '../schema.js';

/** Emitted when an import is queued (and when a long one continues); the import job handles it. */
export const IMPORT_REQUESTED = 'catalog.import_requested';

export interface ImportRequestedPayload {
  importId: string;
}

/**
 * Queues the import of an uploaded CSV file: the file must be this tenant's (another tenant's id is
 * 404, as if it did not exist) and uploaded for imports. The work runs in a job once this commits.
 */
export async function startImport(tx: Tx, fileId: string): Promise<CatalogImportRow> {
  const file = await getFile(tx, fileId);
  if (file.purpose !== 'import') {
    throw new AppError(
      'catalog.not_an_import_file',
      409,
      `The file was uploaded as "${file.purpose}"; upload the CSV with the purpose "import".`,
      { fileId },
    );
  }
  if (file.status !== 'ready') {
    throw new AppError('catalog.not_an_import_file', 409, 'The file is not ready to be read.', { fileId });
  }
  const [row] = await tx.db
    .insert(catalogImports)
    .values({ tenantId: tx.ctx.tenantId!, id: uuidv7(), fileId, createdBy: tx.ctx.actor.id })
    .returning();
  await audit(tx, {
    action: 'catalog_import.created',
    entityType: 'catalog_import',
    entityId: row!.id,
    after: { fileId, originalName: file.originalName, sizeBytes: file.sizeBytes, sha256: file.sha256 },
  });
  await emit<ImportRequestedPayload>(tx, IMPORT_REQUESTED, { importId: row!.id });
  return row!;
}

export async function getImport(tx: Tx, id: string): Promise<CatalogImportRow> {
  const [row] = await tx.db.select().from(catalogImports).where(eq(catalogImports.id, id)).limit(1);
  if (!row) throw new AppError('catalog.import_not_found', 404, 'No such import.');
  return row;
}

/** Imports newest first (ids are time-ordered), one page plus one row. */
export async function listImports(tx: Tx, query: { limit: number; after?: string | undefined }) {
  return tx.db
    .select()
    .from(catalogImports)
    .where(query.after ? lt(catalogImports.id, query.after) : undefined)
    .orderBy(desc(catalogImports.id))
    .limit(query.limit + 1);
}

/** What the API shows of an import in lists (the error report can be a thousand entries long). */
export function toImportSummary(row: CatalogImportRow) {
  return {
    id: row.id,
    status: row.status,
    fileId: row.fileId,
    totalRows: row.totalRows,
    processedRows: row.processedRows,
    createdCount: row.createdCount,
    updatedCount: row.updatedCount,
    errorCount: row.errorCount,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** One import with its error report. */
export function toImportDetail(row: CatalogImportRow) {
  return { ...toImportSummary(row), errors: row.errors };
}
