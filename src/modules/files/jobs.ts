import { buffer } from 'node:stream/consumers';
import { and, eq, isNull } from 'drizzle-orm';
import { withTx } from '../../db/tx.js';
import { type Runtime, systemContext } from '../../kernel/context.js';
import { type EventEnvelope, emit } from '../../kernel/events/emit.js';
import type { JobRegistry } from '../../kernel/events/registry.js';
import { renderVariants, UnreadableImage } from './images.js';
import { type FileRow, type FileVariant, files } from './schema.js';
import {
  FILE_DELETED,
  FILE_READY,
  FILE_STORED,
  type FileEventPayload,
  PRIVATE_CACHE_CONTROL,
  PUBLIC_CACHE_CONTROL,
  variantKeyOf,
} from './service.js';
import { storageFor } from './storage/driver.js';

type FileEvent = EventEnvelope<FileEventPayload>;

export function registerFileJobs(registry: JobRegistry): void {
  // Resizing holds a decoded image in memory: two at a time per worker process is plenty.
  registry.subscribe<FileEvent>(FILE_STORED, 'image-variants', makeImageVariants, {
    concurrency: 2,
    retryLimit: 6,
    retryDelaySeconds: 10,
    expireInSeconds: 300,
  });
  registry.subscribe<FileEvent>(FILE_DELETED, 'remove-bytes', removeDeletedBytes, { concurrency: 2 });
}

async function fileOf(runtime: Runtime, event: FileEvent): Promise<FileRow | undefined> {
  return withTx(
    systemContext(runtime, event.tenantId, event.requestId),
    async (tx) => (await tx.db.select().from(files).where(eq(files.id, event.payload.fileId)).limit(1))[0],
    { readOnly: true },
  );
}

/**
 * Makes the webp variants of a new image and marks it `ready`, or `failed` when the bytes cannot be
 * decoded (retrying would not change that). Storage errors are thrown, so the job is retried. Safe to
 * run twice: the variant keys are derived from the original's, and only a `processing` row changes.
 */
async function makeImageVariants(event: FileEvent, runtime: Runtime): Promise<void> {
  const row = await fileOf(runtime, event);
  if (row?.purpose !== 'image' || row.status !== 'processing' || row.deletedAt) return;
  const ctx = systemContext(runtime, event.tenantId, event.requestId);
  const storage = storageFor(runtime.config);

  const object = await storage.get(row.storageKey);
  if (!object) {
    runtime.log.error({ fileId: row.id, key: row.storageKey }, 'image bytes missing from storage');
    await markFailed(runtime, event);
    return;
  }
  let rendered: Awaited<ReturnType<typeof renderVariants>>;
  try {
    rendered = await renderVariants(await buffer(object.body));
  } catch (error) {
    if (!(error instanceof UnreadableImage)) throw error;
    runtime.log.warn({ fileId: row.id, reason: error.message }, 'image could not be decoded');
    await markFailed(runtime, event);
    return;
  }

  const variants: FileVariant[] = [];
  for (const variant of rendered.variants) {
    const key = variantKeyOf(row.storageKey, variant.name);
    await storage.put(key, variant.bytes, {
      contentType: 'image/webp',
      cacheControl: row.visibility === 'public' ? PUBLIC_CACHE_CONTROL : PRIVATE_CACHE_CONTROL,
    });
    variants.push({
      name: variant.name,
      key,
      contentType: 'image/webp',
      width: variant.width,
      height: variant.height,
      sizeBytes: variant.bytes.length,
    });
  }

  const outcome = await withTx(ctx, async (tx) => {
    const [updated] = await tx.db
      .update(files)
      .set({ variants, width: rendered.size.width, height: rendered.size.height, status: 'ready' })
      .where(and(eq(files.id, row.id), isNull(files.deletedAt), eq(files.status, 'processing')))
      .returning({ id: files.id });
    if (updated) {
      await emit<FileEventPayload>(tx, FILE_READY, { fileId: row.id });
      return 'ready';
    }
    const [now] = await tx.db.select({ deletedAt: files.deletedAt }).from(files).where(eq(files.id, row.id));
    return now?.deletedAt ? 'deleted' : 'done-elsewhere';
  });
  // Deleted while resizing: the deletion's cleanup saw no variants yet, so these are removed here.
  // (Had another run finished first, its variants are these same keys, and they stay.)
  if (outcome === 'deleted') {
    for (const variant of variants) await storage.delete(variant.key);
  }
}

async function markFailed(runtime: Runtime, event: FileEvent): Promise<void> {
  await withTx(systemContext(runtime, event.tenantId, event.requestId), (tx) =>
    tx.db
      .update(files)
      .set({ status: 'failed' })
      .where(and(eq(files.id, event.payload.fileId), eq(files.status, 'processing'))),
  );
}

/** Removes a deleted file's bytes and variants; removing what is already gone is fine (retries). */
async function removeDeletedBytes(event: FileEvent, runtime: Runtime): Promise<void> {
  const row = await fileOf(runtime, event);
  if (!row?.deletedAt) return;
  const storage = storageFor(runtime.config);
  for (const key of [row.storageKey, ...row.variants.map((v) => v.key)]) await storage.delete(key);
}
