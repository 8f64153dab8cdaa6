import { withTx } from '../../../db/tx.js';
import type { RequestContext, Runtime } from '../../../kernel/context.js';
import { AppError } from '../../../kernel/errors.js';
import { loadFilterableAttributes, resolveAttributeFilters } from './attributes.js';
import { TenantCache } from './cache.js';
import type { FilterableAttribute, ProductSearchEngine, ProductSearchResult } from './engine.js';
import { PostgresProductSearch } from './postgres-engine.js';
import type { ListingRequest } from './query-parser.js';

/**
 * How long a public listing page (items, facets, total) is reused in a process. Storefront pages are
 * read far more often than the catalog changes, and counting facets reads every matching product;
 * within these seconds identical requests are answered from memory. Changes made through this process
 * clear its tenant's pages at once (`catalogChanged`); other processes see them within this time.
 */
export const LISTING_CACHE_TTL_MS = 5_000;
// A page with facets is about 20 KB of JSON; this bounds the cache to tens of megabytes.
const LISTING_CACHE_ENTRIES = 500;
/** Attribute definitions (for validating `attr.*` filters and naming facets) are re-read as often. */
const ATTRIBUTES_TTL_MS = 5_000;

/**
 * A listing answer; `body` is its serialized form (UTF-8 bytes: a kept page is sent many times) once
 * one request has made it, shared with later hits.
 */
export interface ListingPage {
  result: ProductSearchResult;
  body?: Buffer;
  /** Its strong ETag, computed with `body`. */
  etag?: string;
  /** `body` gzip-compressed, made for the first caller that takes gzip. */
  gzip?: Buffer;
}

/** The product listing of one process: its search engine and what it keeps between requests. */
export class ProductListing {
  private readonly pages = new TenantCache<ListingPage>(LISTING_CACHE_TTL_MS, LISTING_CACHE_ENTRIES);
  private readonly attributes = new TenantCache<FilterableAttribute[]>(ATTRIBUTES_TTL_MS, 1_000);

  constructor(readonly engine: ProductSearchEngine) {}

  /**
   * One page of products. Staff (who see drafts and edit the catalog) always get a fresh answer;
   * customers and guests share cached pages, so a hit touches no database connection at all.
   */
  list(ctx: RequestContext, request: ListingRequest): Promise<ListingPage> {
    const tenantId = ctx.tenantId;
    if (!tenantId) throw new AppError('tenant.required', 400, 'The catalog belongs to a tenant.');
    const search = () =>
      withTx(
        ctx,
        async (tx) => {
          const facetAttributes = await this.attributes.get(tenantId, '', () => loadFilterableAttributes(tx));
          const result = await this.engine.search(tx, {
            tenantId,
            words: request.words,
            categoryId: request.categoryId,
            brandIds: request.brandIds,
            attributes: resolveAttributeFilters(request.attributes, facetAttributes),
            priceMin: request.priceMin,
            priceMax: request.priceMax,
            inStock: request.inStock,
            statuses: request.statuses,
            includeInactiveVariants: request.staff,
            sort: request.sort,
            cursor: request.cursor,
            limit: request.limit,
            locales: request.locales,
            facets: request.facets,
            facetAttributes,
          });
          return { result };
        },
        { readOnly: true },
      );
    return request.staff ? search() : this.pages.get(tenantId, cacheKey(request), search);
  }

  /**
   * The tenant's catalog changed (products, variants, prices, stock, brands, categories or
   * attributes): call after the commit, e.g. with `tx.afterCommit`, so listings show it at once.
   */
  catalogChanged(tenantId: string, productIds?: readonly string[]): void {
    this.pages.invalidate(tenantId);
    this.attributes.invalidate(tenantId);
    this.engine.productsChanged(tenantId, productIds);
  }
}

/** Everything that shapes the answer; lists are already sorted and de-duplicated by the parser. */
function cacheKey(request: ListingRequest): string {
  return JSON.stringify([
    request.words.map((w) => w.text),
    request.categoryId,
    request.brandIds,
    request.attributes.map((a) => [a.code, a.values ? [...a.values].sort() : null, a.min, a.max]),
    request.priceMin,
    request.priceMax,
    request.inStock,
    request.statuses,
    request.sort,
    request.cursor,
    request.limit,
    request.locales,
    request.facets,
  ]);
}

const listings = new WeakMap<Runtime, ProductListing>();

/** The process's product listing, with the PostgreSQL engine unless another was set. */
export function productListingOf(runtime: Runtime): ProductListing {
  let listing = listings.get(runtime);
  if (!listing) {
    listing = new ProductListing(new PostgresProductSearch());
    listings.set(runtime, listing);
  }
  return listing;
}

/** Puts another search engine behind the listing (at start, before the first request). */
export function useProductSearchEngine(runtime: Runtime, engine: ProductSearchEngine): void {
  listings.set(runtime, new ProductListing(engine));
}
