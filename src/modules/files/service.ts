import { createReadStream } from 'node:fs';
import { and, desc, eq, inArray, isNull, lt, or, type SQL } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { type Tx, withTx } from '../../db/tx.js';
import { audit } from '../../kernel/audit/audit.js';
import type { RequestContext } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import { emit } from '../../kernel/events/emit.js';
import { canDelete, canRead, staffReadablePurposes } from './access.js';
import { readImageSize } from './images.js';
import { type FilePurpose, type FileRow, type FileVisibility, files } from './schema.js';
import { SIGNED_FILES_PATH, signFileToken, type VariantName } from './signed-urls.js';
import { StorageError, storageFor } from './storage/driver.js';
import type { ReceivedUpload } from './upload.js';
import { type ImageUrls, imageUrlsOf } from './urls.js';

/** Emitted in the upload's transaction; images get their variants made by a subscriber. */
export const FILE_STORED = 'file.stored';
/** Emitted when a file is deleted; a subscriber removes its bytes from storage. */
export const FILE_DELETED = 'file.deleted';
/** Emitted when an image's resized variants are ready (their URLs are no longer null). */
export const FILE_READY = 'file.ready';

export interface FileEventPayload {
  fileId: string;
}

/** Public copies never change under their key (it carries the content hash), so caches keep them. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const PRIVATE_CACHE_CONTROL = 'private, no-store';

/** What the API shows of a file. */
export interface FileView {
  id: string;
  purpose: FilePurpose;
  visibility: FileVisibility;
  status: FileRow['status'];
  contentType: string;
  sizeBytes: number;
  sha256: string;
  originalName: string | null;
  width: number | null;
  height: number | null;
  /** Public files only; private files are read through signed links. */
  urls: ImageUrls | null;
  createdBy: string | null;
  createdAt: string;
}

export function toFileView(row: FileRow): FileView {
  return {
    id: row.id,
    purpose: row.purpose,
    visibility: row.visibility,
    status: row.status,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    originalName: row.originalName,
    width: row.width,
    height: row.height,
    urls: row.visibility === 'public' ? imageUrlsOf(row) : null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

const notFound = () => new AppError('files.not_found', 404, 'No such file.');

/** The file of the transaction's tenant with this id; 404 when there is none or it was deleted. */
export async function getFile(tx: Tx, id: string): Promise<FileRow> {
  const [row] = await tx.db
    .select()
    .from(files)
    .where(and(eq(files.id, id), isNull(files.deletedAt)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

/**
 * The image with this id, for modules that attach images (products, banners): 404 when missing, 409
 * `files.not_an_image` when the file is not an image or could not be processed as one.
 */
export async function requireImageFile(tx: Tx, id: string): Promise<FileRow> {
  const row = await getFile(tx, id);
  if (row.purpose !== 'image') {
    throw new AppError('files.not_an_image', 409, `The file is a ${row.purpose}, not an image.`, {
      fileId: id,
    });
  }
  if (row.status === 'failed') {
    throw new AppError('files.not_an_image', 409, 'The image could not be processed; upload it again.', {
      fileId: id,
    });
  }
  return row;
}

/** The file, if the transaction's actor may read it (else 404, as if it did not exist). */
export async function getReadableFile(tx: Tx, id: string): Promise<FileRow> {
  const row = await getFile(tx, id);
  if (!canRead(tx.ctx.actor, row)) throw notFound();
  return row;
}

export interface FileListQuery {
  purpose?: FilePurpose | undefined;
  limit: number;
  /** Id of the last file of the previous page. */
  after?: string | undefined;
}

/** Files the actor uploaded, and those of purposes whose files they look after; newest first. */
export async function listFiles(tx: Tx, query: FileListQuery): Promise<FileRow[]> {
  const { actor } = tx.ctx;
  const mine: SQL[] = [];
  if (actor.id) mine.push(eq(files.createdBy, actor.id));
  const purposes = staffReadablePurposes(actor);
  if (purposes.length > 0) mine.push(inArray(files.purpose, purposes));
  if (mine.length === 0) return [];
  const filters: SQL[] = [isNull(files.deletedAt), or(...mine)!];
  if (query.purpose) filters.push(eq(files.purpose, query.purpose));
  if (query.after) filters.push(lt(files.id, query.after));
  return tx.db
    .select()
    .from(files)
    .where(and(...filters))
    .orderBy(desc(files.id))
    .limit(query.limit + 1);
}

export interface NewUpload {
  purpose: FilePurpose;
  visibility: FileVisibility;
  originalName: string | null;
  received: ReceivedUpload;
}

/** `<tenant>/<id>-<first 16 hex of the SHA-256>.<ext>`: a new key whenever the bytes change. */
export function storageKeyOf(tenantId: string, id: string, sha256: string, extension: string): string {
  return `${tenantId}/${id}-${sha256.slice(0, 16)}.${extension}`;
}

/** The key of a variant, beside its original: `…-<hash>-thumb.webp`. */
export function variantKeyOf(originalKey: string, variant: VariantName): string {
  return `${originalKey.slice(0, originalKey.lastIndexOf('.'))}-${variant}.webp`;
}

/**
 * Stores a received upload: the bytes first (storage is a network call and stays outside the
 * transaction), then the row, its audit entry and the `file.stored` event in one transaction. If the
 * transaction fails the bytes are removed again, so no object is left without its row.
 */
export async function saveUpload(ctx: RequestContext, upload: NewUpload): Promise<FileRow> {
  const { received } = upload;
  const tenantId = ctx.tenantId;
  if (!tenantId) throw new Error('saveUpload: files belong to a tenant, and none is set');
  const size = upload.purpose === 'image' ? await readImageSize(received.tmpPath) : null;
  const id = uuidv7();
  const key = storageKeyOf(tenantId, id, received.sha256, received.type.extension);
  const storage = storageFor(ctx.runtime.config);
  try {
    await storage.put(key, createReadStream(received.tmpPath), {
      contentType: received.type.contentType,
      cacheControl: upload.visibility === 'public' ? PUBLIC_CACHE_CONTROL : PRIVATE_CACHE_CONTROL,
      size: received.size,
      sha256: received.sha256,
    });
  } catch (error) {
    throw storageUnavailable(ctx, error);
  }
  try {
    return await withTx(ctx, async (tx) => {
      const [row] = await tx.db
        .insert(files)
        .values({
          tenantId,
          id,
          purpose: upload.purpose,
          visibility: upload.visibility,
          status: upload.purpose === 'image' ? 'processing' : 'ready',
          contentType: received.type.contentType,
          sizeBytes: received.size,
          sha256: received.sha256,
          storageKey: key,
          originalName: upload.originalName,
          width: size?.width ?? null,
          height: size?.height ?? null,
          createdBy: ctx.actor.id,
        })
        .returning();
      await audit(tx, {
        action: 'file.uploaded',
        entityType: 'file',
        entityId: id,
        after: auditedFields(row!),
      });
      await emit<FileEventPayload>(tx, FILE_STORED, { fileId: id });
      return row!;
    });
  } catch (error) {
    await storage.delete(key).catch((cleanupError: unknown) => {
      ctx.runtime.log.warn({ err: cleanupError, key }, 'could not remove the bytes of a failed upload');
    });
    throw error;
  }
}

function storageUnavailable(ctx: RequestContext, error: unknown): unknown {
  if (!(error instanceof StorageError)) return error;
  ctx.runtime.log.error({ err: error, requestId: ctx.requestId }, 'file storage failed');
  return new AppError('files.storage_unavailable', 503, 'File storage is unavailable; try again shortly.');
}

/**
 * Soft-deletes the file (the row stays for the audit trail and for links other records hold) and
 * emits `file.deleted`, whose subscriber removes the bytes once the deletion has committed.
 */
export async function deleteFile(tx: Tx, id: string): Promise<void> {
  const { actor } = tx.ctx;
  const row = await getFile(tx, id);
  const deletable = canDelete(actor, row);
  if (!deletable && !canRead(actor, row)) throw notFound();
  if (!deletable) throw new AppError('auth.forbidden', 403, 'You may not delete this file.');
  const [deleted] = await tx.db
    .update(files)
    .set({ deletedAt: new Date() })
    .where(and(eq(files.id, id), isNull(files.deletedAt)))
    .returning();
  if (!deleted) throw notFound();
  await audit(tx, { action: 'file.deleted', entityType: 'file', entityId: id, before: auditedFields(row) });
  await emit<FileEventPayload>(tx, FILE_DELETED, { fileId: id });
}

function auditedFields(row: FileRow) {
  return {
    purpose: row.purpose,
    visibility: row.visibility,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    storageKey: row.storageKey,
    originalName: row.originalName,
  };
}

export interface SignedUrl {
  url: string;
  expiresAt: string;
}

/** A link to the file (or one of its variants) that works without credentials until it expires. */
export function signedUrlOf(ctx: RequestContext, row: FileRow, variant: VariantName | null): SignedUrl {
  if (variant && !row.variants.some((v) => v.name === variant)) {
    throw new AppError('files.variant_not_found', 404, `The file has no ${variant} variant (yet).`);
  }
  const { config } = ctx.runtime;
  const expiresAt = new Date(Date.now() + config.files.signedUrlTtlSeconds * 1000);
  const token = signFileToken(
    config.jwtSecret,
    { tenantId: row.tenantId, fileId: row.id, variant },
    expiresAt,
  );
  return { url: SIGNED_FILES_PATH + token, expiresAt: expiresAt.toISOString() };
}

/** What to send for a stored object: its key, type, and validator. */
export interface ServedObject {
  key: string;
  contentType: string;
  /** Strong validator: the content hash (variants are derived from it and never change). */
  etag: string;
  /** As recorded when stored, so a HEAD request needs no storage call. */
  size: number;
  originalName: string | null;
}

export function servedObjectOf(row: FileRow, variant: VariantName | null): ServedObject | null {
  if (!variant) {
    return {
      key: row.storageKey,
      contentType: row.contentType,
      etag: `"${row.sha256}"`,
      size: row.sizeBytes,
      originalName: row.originalName,
    };
  }
  const found = row.variants.find((v) => v.name === variant);
  if (!found) return null;
  return {
    key: found.key,
    contentType: found.contentType,
    etag: `"${row.sha256}-${variant}"`,
    size: found.sizeBytes,
    originalName: row.originalName ? `${row.originalName.replace(/\.[^.]*$/, '')}-${variant}.webp` : null,
  };
}

// `<tenant>/<file id>-<hash16>[-<variant>].<ext>`
const PUBLIC_KEY =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-[0-9a-f]{16}(?:-(thumb|medium|large))?\.[a-z0-9]{2,5}$/;

/** The tenant and file a public storage key names, or null when it is not a key this module makes. */
export function parsePublicKey(
  key: string,
): { tenantId: string; fileId: string; variant: VariantName | null } | null {
  const match = PUBLIC_KEY.exec(key);
  if (!match) return null;
  return { tenantId: match[1]!, fileId: match[2]!, variant: (match[3] as VariantName | undefined) ?? null };
}

/**
 * What `GET /files/public/<key>` sends: only a public, not deleted file whose (variant) key is exactly
 * this one; a key with a stale hash or another tenant's prefix finds nothing.
 */
export async function findPublicObject(tx: Tx, key: string): Promise<ServedObject | null> {
  const parsed = parsePublicKey(key);
  if (!parsed || parsed.tenantId !== tx.ctx.tenantId) return null;
  const [row] = await tx.db
    .select()
    .from(files)
    .where(and(eq(files.id, parsed.fileId), isNull(files.deletedAt)))
    .limit(1);
  if (row?.visibility !== 'public') return null;
  const served = servedObjectOf(row, parsed.variant);
  return served && served.key === key ? served : null;
}
