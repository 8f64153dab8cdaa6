import { eq } from 'drizzle-orm';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import type { EventEnvelope } from '../../kernel/events/emit.js';
import type { JobRegistry } from '../../kernel/events/registry.js';
import { FILE_DELETED, FILE_READY, type FileEventPayload } from '../files/index.js';
import { deleteImage } from './images.service.js';
import { productPagesChanged } from './product-pages.js';
import { productImages } from './schema.js';

/**
 * What happens to products when their image files change. A deleted file stops being a product image:
 * each product showing it loses that image (audited, positions closed up, the product re-indexed)
 * rather than keeping a link to bytes that are gone. A file whose variants are ready gets their URLs
 * onto the stored pages of the products showing it.
 */
export function registerProductFileJobs(registry: JobRegistry): void {
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
  // An image's resized variants are ready: the stored pages showing it get their URLs.
  registry.subscribe<EventEnvelope<FileEventPayload>>(
    FILE_READY,
    'catalog-product-pages',
    async (envelope, runtime) => {
      await withTx(systemContext(runtime, envelope.tenantId, envelope.requestId), async (tx) => {
        const { rows } = await tx.client.query<{ id: string }>(
          'SELECT DISTINCT product_id AS id FROM product_images WHERE file_id = $1',
          [envelope.payload.fileId],
        );
        await productPagesChanged(
          tx,
          rows.map((r) => r.id),
        );
      });
    },
  );
}
