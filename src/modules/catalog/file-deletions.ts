import { eq } from 'drizzle-orm';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import type { EventEnvelope } from '../../kernel/events/emit.js';
import type { JobRegistry } from '../../kernel/events/registry.js';
import { FILE_DELETED, type FileEventPayload } from '../files/index.js';
import { deleteImage } from './images.service.js';
import { productImages } from './schema.js';

/**
 * A deleted file stops being a product image: each product showing it loses that image (audited,
 * positions closed up, the product re-indexed) rather than keeping a link to bytes that are gone.
 */
export function registerFileDeletionJobs(registry: JobRegistry): void {
  registry.subscribe<EventEnvelope<FileEventPayload>>(
    FILE_DELETED,
    'catalog-product-images',
    async (envelope, runtime) => {
      await withTx(systemContext(runtime, envelope.tenantId, envelope.requestId), async (tx) => {
        const uses = await tx.db
          .select({ id: productImages.id, productId: productImages.productId })
          .from(productImages)
          .where(eq(productImages.fileId, envelope.payload.fileId));
        for (const use of uses) {
          try {
            await deleteImage(tx, use.productId, use.id);
          } catch (error) {
            // A deleted product keeps its rows for the record; its image link goes without ceremony.
            if (!(error instanceof AppError) || error.status !== 404) throw error;
            await tx.db.delete(productImages).where(eq(productImages.id, use.id));
          }
        }
      });
    },
  );
}
