import { gzipSync } from 'node:zlib';
import fastJson from 'fast-json-stringify';
import { preparedRows, type TextRow } from '../../db/prepared.js';
import { asTenant, type Tx, withTx } from '../../db/tx.js';
import { type Runtime, systemContext } from '../../kernel/context.js';
import { type EventEnvelope, emit } from '../../kernel/events/emit.js';
import type { JobRegistry } from '../../kernel/events/registry.js';
import { strongEtagOf } from '../../kernel/http/etag.js';
import type { ReadyJson } from '../../kernel/http/serialized.js';
import { isUuid } from '../../kernel/uuid.js';
import { TENANT_LANGUAGE_CHANGED } from '../tenancy/index.js';
import { ProductDetail } from './contracts.js';
import { notFound } from './errors.js';
import {
  type DetailOptions,
  PAGE_COLUMNS,
  type PageRow,
  productPage,
  SLUG_PREFERENCE,
  toDetail,
} from './product-detail.js';
import { refreshProductDerivedFields } from './search-document.js';
import { contentLocaleFor } from './texts.js';

/**
 * Stored product pages (table `product_pages`): the page guests and customers get, serialized once
 * whenever the product or anything it shows changes, instead of assembled from nine tables and
 * serialized on every request. One page per locale the product has texts in, plus the tenant's
 * content language, each made with that content language as fallback. Staff pages (drafts, stock
 * quantities) and other locales are made per request, as before.
 *
 * Kept in step by the writes themselves: `productsChanged` rebuilds the pages of the products it is
 * told about, and changes to brands, categories, attributes and image files rebuild the pages of the
 * products that show them. Up to INLINE_LIMIT products are rebuilt in the writing transaction; more
 * (a category over a large part of the catalog, a bulk import, a new content language) are removed
 * in that transaction and rebuilt by a background job, and are made per request until then. A page is
 * therefore never older than the data it shows.
 */

/** The serialized form of a page: the route's response schema, so stored and fresh pages are alike. */
const serializePage = fastJson(ProductDetail as object) as (detail: ProductDetail) => string;

/** Stored pages are compressed once, as tightly as gzip goes (about 0.2 ms for a 3 KB page). */
const GZIP = { level: 9 };

/** Pages rebuilt inside the writing transaction; larger sets go to the rebuild job. */
const INLINE_LIMIT = 200;
/** Products per statement (and per job transaction) when rebuilding. */
const CHUNK = 250;

export const PAGES_STALE = 'catalog.product_pages_stale';
export interface PagesStalePayload {
  /** The products whose pages to rebuild; null: every product of the tenant (content language changed). */
  productIds: string[] | null;
}

/** A stored page as sent: its text, or only its gzip form when that is what the caller takes. */
export type StoredPage = ReadyJson;

/** The form a stored page is read in: its text, or its gzip form (with the text only when it has none). */
export type PageForm = 'text' | 'gzip';

/** A stored page's columns, for each form: the text, the gzip bytes (hex), the ETag. */
const FORM_COLUMNS: Record<PageForm, string> = {
  text: 'pg.body, NULL, pg.etag',
  gzip: 'CASE WHEN pg.body_gzip IS NULL THEN pg.body END, pg.body_gzip, pg.etag',
};

const storedById = (form: PageForm) => `
SELECT ${FORM_COLUMNS[form]} FROM product_pages pg WHERE pg.product_id = $1 AND pg.locale = $2 AND pg.fallback = $3`;

// The page whose product has this slug in the asked locale: slugs are unique per locale, and the
// live statement picks that product first. One index probe, and the statement every product link
// runs, so it stays alone: a plan with more nodes costs PostgreSQL their set-up on every execution,
// even those never reached (measured: a UNION ALL with the fallback below cut throughput by a quarter).
const storedBySlug = (form: PageForm) => `
SELECT ${FORM_COLUMNS[form]} FROM product_pages pg WHERE pg.slug = $1 AND pg.locale = $2 AND pg.fallback = $3`;

// Only when there is none (a link in another locale, a draft, an unknown slug): the product the live
// statement would pick, and its stored page if any. Deleted products need no check: deleting rewrites
// their slugs to a form no request can name, and a product without a stored page is made by the live
// statement, which checks anyway.
const storedByOtherSlug = (form: PageForm) => `
WITH target AS (
  SELECT t.product_id AS id FROM product_translations t WHERE t.slug = $1 ${SLUG_PREFERENCE} LIMIT 1
)
SELECT ${FORM_COLUMNS[form]}
  FROM target LEFT JOIN product_pages pg ON pg.product_id = target.id AND pg.locale = $2 AND pg.fallback = $4`;

const STATEMENTS = {
  text: {
    byId: preparedRows('catalog_stored_page', storedById('text')),
    bySlug: preparedRows('catalog_stored_page_by_slug', storedBySlug('text')),
    byOtherSlug: preparedRows('catalog_stored_page_by_other_slug', storedByOtherSlug('text')),
  },
  gzip: {
    byId: preparedRows('catalog_stored_page_gzip', storedById('gzip')),
    bySlug: preparedRows('catalog_stored_page_gzip_by_slug', storedBySlug('gzip')),
    byOtherSlug: preparedRows('catalog_stored_page_gzip_by_other_slug', storedByOtherSlug('gzip')),
  },
};

/**
 * The product page as this caller sees it: the stored page (serialized, with its ETag; in its gzip
 * form when `form` asks for it and the page has one) for guests and customers when there is one,
 * else the page made now. 404 as the live page would be.
 */
export async function servedProductPage(
  tx: Tx,
  idOrSlug: string,
  options: DetailOptions,
  form: PageForm = 'text',
): Promise<StoredPage | ProductDetail> {
  if (!options.includeUnpublished) {
    const stored = await storedPage(tx, idOrSlug, options, form);
    if (stored === null) throw notFound('product');
    if (stored) return stored;
  }
  return productPage(tx, idOrSlug, options);
}

/** A stored page; null when no product has that slug; undefined when the page must be made now. */
async function storedPage(tx: Tx, idOrSlug: string, options: DetailOptions, form: PageForm) {
  const statements = STATEMENTS[form];
  if (isUuid(idOrSlug)) {
    const [row] = await statements.byId(tx, [idOrSlug, options.locale, options.fallback]);
    // No stored page by id may still be a product by slug, a draft, or an unstored locale.
    return row ? pageOf(row) : undefined;
  }
  const [page] = await statements.bySlug(tx, [idOrSlug, options.locale, options.fallback]);
  if (page) return pageOf(page);
  const language = options.locale.split('-')[0]!;
  const [row] = await statements.byOtherSlug(tx, [idOrSlug, options.locale, language, options.fallback]);
  if (!row) return null;
  // The product without a stored page in this locale: all columns are null.
  return row[2] ? pageOf(row) : undefined;
}

function pageOf([json, gzipHex, etag]: TextRow): StoredPage {
  // bytea in text form is `\x` and hex digits.
  return { json: json ?? null, gzip: gzipHex ? Buffer.from(gzipHex.slice(2), 'hex') : null, etag: etag! };
}

/**
 * The pages of these products no longer match their data. Gathered over the unit of work and handled
 * once, just before it commits (a product written with its variants one call at a time is rebuilt
 * once, with everything it ends up with): rebuilt then when they are few, else removed then and
 * rebuilt by the background job (made per request meanwhile). Deleted products lose theirs.
 */
export async function productPagesChanged(tx: Tx, productIds: readonly string[]): Promise<void> {
  if (productIds.length === 0) return;
  const tenantId = tx.ctx.tenantId;
  const pending = tx.beforeCommit(
    `catalog.product_pages:${tenantId}`,
    () => new Set<string>(),
    (ids, root) =>
      root.ctx.tenantId === tenantId
        ? pagesOfChanged(root, [...ids])
        : asTenant(root, tenantId, (own) => pagesOfChanged(own, [...ids])),
  );
  for (const id of productIds) pending.add(id);
}

async function pagesOfChanged(tx: Tx, ids: string[]): Promise<void> {
  if (ids.length <= INLINE_LIMIT) {
    await rebuildProductPages(tx, ids, await contentLocaleFor(tx));
    return;
  }
  await deleteProductPages(tx, ids);
  for (let i = 0; i < ids.length; i += CHUNK * 4) {
    await emit<PagesStalePayload>(tx, PAGES_STALE, { productIds: ids.slice(i, i + CHUNK * 4) });
  }
}

export async function deleteProductPages(tx: Tx, productIds: readonly string[]): Promise<void> {
  await tx.client.query('DELETE FROM product_pages WHERE product_id = ANY($1::uuid[])', [productIds]);
}

/**
 * Makes and stores the pages of these products in the transaction, with `fallback` as the tenant's
 * content language. The products are locked first, so a concurrent change to one of them is either
 * seen here or waits for this transaction and then rebuilds the page itself.
 */
export async function rebuildProductPages(
  tx: Tx,
  productIds: readonly string[],
  fallback: string,
): Promise<void> {
  const sorted = [...new Set(productIds)].sort();
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const chunk = sorted.slice(i, i + CHUNK);
    await tx.client.query('SELECT 1 FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [
      chunk,
    ]);
    await deleteProductPages(tx, chunk);
    const { rows } = await tx.client.query<PageRow>(
      `${PAGE_COLUMNS} FROM products p
        WHERE p.id = ANY($1::uuid[]) AND p.deleted_at IS NULL AND p.status = 'active'`,
      [chunk],
    );
    const pages = rows.flatMap((row) => pagesOf(row, fallback));
    if (pages.length === 0) continue;
    await tx.client.query(
      `INSERT INTO product_pages (tenant_id, product_id, locale, slug, fallback, body, etag, body_gzip)
       SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[])`,
      [
        tx.ctx.tenantId,
        pages.map((p) => p.productId),
        pages.map((p) => p.locale),
        pages.map((p) => p.slug),
        pages.map(() => fallback),
        pages.map((p) => p.json),
        pages.map((p) => p.etag),
        pages.map((p) => p.gzip),
      ],
    );
  }
}

/** A product's public pages: one per locale it has texts in, and one in the content language. */
function pagesOf(row: PageRow, fallback: string) {
  const locales = new Set([...row.texts.map((t) => t.locale), fallback]);
  return [...locales].map((locale) => {
    const json = serializePage(toDetail(row, { locale, fallback, includeUnpublished: false }));
    const slug = row.texts.find((t) => t.locale === locale)?.slug ?? null;
    return { productId: row.id, locale, slug, json, etag: strongEtagOf(json), gzip: gzipSync(json, GZIP) };
  });
}

export function registerProductPageJobs(registry: JobRegistry): void {
  const retries = { retryLimit: 6, retryDelaySeconds: 10 };
  registry.subscribe<EventEnvelope<PagesStalePayload>>(
    PAGES_STALE,
    'rebuild',
    (event, runtime) => rebuildPages(runtime, event, event.payload.productIds),
    retries,
  );
  // Every page was made with the old language as fallback, and sort names are kept in it.
  registry.subscribe<EventEnvelope>(
    TENANT_LANGUAGE_CHANGED,
    'catalog-product-pages',
    (event, runtime) => rebuildPages(runtime, event, null),
    retries,
  );
}

/**
 * Rebuilds the pages of these products (null: the whole catalog), a chunk per transaction so a large
 * catalog never holds one long transaction. For the whole catalog (a new content language) the
 * products' sort names, which are kept in that language, are refreshed with them.
 */
async function rebuildPages(
  runtime: Runtime,
  event: EventEnvelope,
  productIds: readonly string[] | null,
): Promise<void> {
  const ctx = systemContext(runtime, event.tenantId, event.requestId);
  const wholeCatalog = productIds === null;
  let remaining = productIds ?? [];
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const done = await withTx(ctx, async (tx) => {
      let chunk: string[];
      if (wholeCatalog) {
        const { rows } = await tx.client.query<{ id: string }>(
          'SELECT id FROM products WHERE id > $1 AND deleted_at IS NULL ORDER BY id LIMIT $2',
          [after, CHUNK],
        );
        chunk = rows.map((r) => r.id);
        after = chunk.at(-1) ?? after;
      } else {
        chunk = remaining.slice(0, CHUNK);
        remaining = remaining.slice(CHUNK);
      }
      if (chunk.length === 0) return true;
      const locale = await contentLocaleFor(tx);
      if (wholeCatalog) await refreshProductDerivedFields(tx, chunk, locale);
      await rebuildProductPages(tx, chunk, locale);
      return false;
    });
    if (done) return;
  }
}
