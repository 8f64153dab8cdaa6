import type { Tx } from '../../db/tx.js';
import { emit } from '../../kernel/events/emit.js';
import { deleteProductPages, productPagesChanged } from './product-pages.js';
import { productListingOf } from './search/listing.js';
import { refreshProductDerivedFields } from './search-document.js';
import { contentLocaleFor } from './texts.js';

export type ChangeKind = 'created' | 'updated' | 'deleted';

/**
 * Everything a change to products must be followed by, in the same transaction: their search
 * document, prices and stock flag recomputed (listings never see a half-updated product), their
 * stored pages rebuilt (product-pages.ts), and one `catalog.product_changed` event each for
 * subscribers that keep copies (search engines, caches).
 */
export async function productsChanged(
  tx: Tx,
  productIds: readonly string[],
  change: ChangeKind,
): Promise<void> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) return;
  if (change === 'deleted') await deleteProductPages(tx, ids);
  else {
    await refreshProductDerivedFields(tx, ids, await contentLocaleFor(tx));
    await productPagesChanged(tx, ids);
  }
  for (const productId of ids) await emit(tx, 'catalog.product_changed', { productId, change });
  listingsSeeChanges(tx, ids);
}

/**
 * This process's cached listing pages and search vocabulary forget the tenant's catalog once the
 * change is committed (other API processes see it within the pages' few seconds of life).
 */
function listingsSeeChanges(tx: Tx, productIds?: readonly string[]): void {
  const { runtime, tenantId } = tx.ctx;
  if (tenantId) tx.afterCommit(() => productListingOf(runtime).catalogChanged(tenantId, productIds));
}

/** `catalog.category_changed`, `catalog.brand_changed` or `catalog.attribute_changed`. */
export async function catalogEntityChanged(
  tx: Tx,
  entity: 'category' | 'brand' | 'attribute',
  id: string,
  change: ChangeKind,
): Promise<void> {
  await emit(tx, `catalog.${entity}_changed`, { [`${entity}Id`]: id, change });
  listingsSeeChanges(tx);
}
