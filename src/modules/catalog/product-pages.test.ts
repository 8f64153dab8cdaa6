import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import {
  createBoxesTree,
  createBrand,
  createCategory,
  createProduct,
  insertFile,
  type ProductBody,
  uniqueSku,
} from '../../../test/catalog.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';
import { waitFor } from '../../../test/wait.js';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import { emit } from '../../kernel/events/emit.js';
import { JobRunner } from '../../kernel/jobs/runner.js';
import { FILE_READY } from '../files/index.js';
import { PAGES_STALE } from './product-pages.js';

describe('stored product pages', () => {
  let t: TestApp;
  let admin: SignedIn;
  let product: ProductBody;
  let ids: { root: string; boxes: string; brand: string; colour: string; brown: string; file: string };

  const call = apiCaller(
    () => t.app,
    () => admin,
  );
  const guestPage = (idOrSlug: string, query = '') =>
    call('GET', `/products/${idOrSlug}${query}`, { auth: null });
  const storedRows = (productId: string) =>
    t.ownerQuery<{
      locale: string;
      slug: string | null;
      fallback: string;
      body: string;
      body_gzip: Buffer | null;
      etag: string;
    }>(
      `SELECT locale, slug, fallback, body, body_gzip, etag FROM product_pages
        WHERE product_id = $1 ORDER BY locale`,
      [productId],
    );
  const dropStored = (productId: string) =>
    t.ownerQuery('DELETE FROM product_pages WHERE product_id = $1', [productId]);
  /** What a guest sees, and that it is exactly what the page made afresh would be. */
  async function guestSees(idOrSlug: string, productId: string, query = '') {
    const stored = await guestPage(idOrSlug, query);
    expect(stored.statusCode, stored.body).toBe(200);
    const rows = await storedRows(productId);
    await dropStored(productId);
    const fresh = await guestPage(idOrSlug, query);
    expect(fresh.body).toBe(stored.body);
    expect(fresh.headers.etag).toBe(stored.headers.etag);
    // Put the pages back as the writes would leave them.
    for (const row of rows) {
      await t.ownerQuery(
        `INSERT INTO product_pages (tenant_id, product_id, locale, slug, fallback, body, body_gzip, etag)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          await t.tenantId('demo'),
          productId,
          row.locale,
          row.slug,
          row.fallback,
          row.body,
          row.body_gzip,
          row.etag,
        ],
      );
    }
    return stored.json() as ProductBody;
  }

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await new JobRunner(t.runtime, t.metrics).start();
    const { root, boxes, colour } = await createBoxesTree(call);
    const brand = await createBrand(call, 'Kartonsan');
    const file = await insertFile(t, { status: 'processing' });
    product = await createProduct(call, {
      status: 'active',
      brandId: brand.id,
      categoryIds: [boxes.id],
      attributes: [{ code: 'renk', value: 'kahve' }],
      translations: {
        tr: { name: 'Kraft Kutu Saklı', description: 'Dayanıklı' },
        en: { name: 'Stored Kraft Box', description: 'Sturdy' },
      },
      variants: [
        { sku: uniqueSku(), basePrice: '12.50', stockQuantity: '40' },
        { sku: uniqueSku(), basePrice: '9.00', status: 'inactive', stockQuantity: '3' },
      ],
      images: [{ fileId: file, alt: { tr: 'Kutu', en: 'Box' } }],
    });
    const options = colour.options;
    ids = {
      root: root.id,
      boxes: boxes.id,
      brand: brand.id,
      colour: colour.id,
      brown: options.find((o) => o.code === 'kahve')!.id,
      file,
    };
  });
  afterAll(() => t?.close());

  it('stores one page per locale the product has, made with the tenant language as fallback', async () => {
    const rows = await storedRows(product.id);
    expect(rows.map((r) => [r.locale, r.fallback])).toEqual([
      ['en', 'tr'],
      ['tr', 'tr'],
    ]);
    expect(JSON.parse(rows[1]!.body)).toMatchObject({ name: 'Kraft Kutu Saklı', locale: 'tr' });
  });

  it('serves guests the stored page, exactly as the page made afresh, by slug or id, with its ETag', async () => {
    const bySlug = await guestSees(product.slug, product.id);
    expect(bySlug).toMatchObject({ name: 'Kraft Kutu Saklı', brand: { name: 'Kartonsan' } });
    expect(bySlug.variants).toHaveLength(1);
    expect(bySlug.variants[0]).not.toHaveProperty('stockQuantity');
    await guestSees(product.id, product.id);
    const english = await guestSees(product.id, product.id, '?locale=en');
    expect(english).toMatchObject({ name: 'Stored Kraft Box', locale: 'en' });
    expect(english.categories[0]!.breadcrumbs.map((c) => c.name)).toEqual(['Packaging', 'Boxes']);
    // The English slug finds the product too; a locale with no stored page is made afresh.
    expect((await guestPage(english.slug)).json()).toMatchObject({
      id: product.id,
      name: 'Kraft Kutu Saklı',
    });
    expect((await guestPage(product.slug, '?locale=en-GB')).json()).toMatchObject({
      name: 'Stored Kraft Box',
    });

    const first = await guestPage(product.slug);
    const again = await call('GET', `/products/${product.slug}`, {
      auth: null,
      headers: { 'if-none-match': first.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
  });

  it('sends the stored gzip form to callers that take gzip, the text to the rest, with one ETag', async () => {
    const [stored] = await storedRows(product.id);
    expect(gunzipSync(stored!.body_gzip!).toString()).toBe(stored!.body);

    const plain = await guestPage(product.slug);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toContain('accept-encoding');
    const gzip = await call('GET', `/products/${product.slug}`, {
      auth: null,
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(gzip.statusCode).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers.vary).toContain('accept-encoding');
    expect(gzip.headers.etag).toBe(plain.headers.etag);
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(plain.body);

    const declined = await call('GET', `/products/${product.slug}`, {
      auth: null,
      headers: { 'accept-encoding': 'gzip;q=0, identity' },
    });
    expect(declined.headers['content-encoding']).toBeUndefined();
    expect(declined.body).toBe(plain.body);
    const unchanged = await call('GET', `/products/${product.id}`, {
      auth: null,
      headers: { 'accept-encoding': 'gzip', 'if-none-match': plain.headers.etag as string },
    });
    expect(unchanged.statusCode).toBe(304);

    // A page stored before compressed forms were kept still answers; the compression hook compresses it.
    await t.ownerQuery('UPDATE product_pages SET body_gzip = NULL WHERE product_id = $1', [product.id]);
    const older = await call('GET', `/products/${product.slug}`, {
      auth: null,
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(older.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(older.rawPayload).toString()).toBe(plain.body);
    await t.ownerQuery('UPDATE product_pages SET body_gzip = $2 WHERE product_id = $1 AND locale = $3', [
      product.id,
      stored!.body_gzip,
      stored!.locale,
    ]);
  });

  it('staff still get the full page: drafts, inactive variants and stock', async () => {
    const staff = (await call('GET', `/products/${product.slug}`)).json() as ProductBody;
    expect(staff.variants).toHaveLength(2);
    expect(staff.variants[0]).toHaveProperty('stockQuantity', '40.000');
  });

  it('follows every change to what the page shows, in the same transaction', async () => {
    const nameNow = async (query = '') => (await guestPage(product.slug, query)).json() as ProductBody;

    await call('PATCH', `/products/${product.id}`, {
      payload: { translations: { tr: { name: 'Kraft Kutu Yeni' } } },
    });
    expect((await nameNow()).name).toBe('Kraft Kutu Yeni');

    const [variant] = product.variants;
    await call('PATCH', `/products/${product.id}/variants/${variant!.id}`, {
      payload: { basePrice: '14.00' },
    });
    expect((await nameNow()).variants[0]!.basePrice).toBe('14.0000');

    await call('PATCH', `/brands/${ids.brand}`, { payload: { name: 'Kartonsan Yeni' } });
    expect((await nameNow()).brand).toMatchObject({ name: 'Kartonsan Yeni' });
    await call('PATCH', `/brands/${ids.brand}`, { payload: { slug: 'kartonsan-2' } });
    expect((await nameNow()).brand).toMatchObject({ slug: 'kartonsan-2' });

    await call('PATCH', `/categories/${ids.root}`, {
      payload: { translations: { en: { name: 'Wrapping' } } },
    });
    expect((await nameNow('?locale=en')).categories[0]!.breadcrumbs[0]!.name).toBe('Wrapping');
    const shelf = await createCategory(call, 'Raf');
    await call('PATCH', `/categories/${ids.boxes}`, { payload: { parentId: shelf.id } });
    expect((await nameNow()).categories[0]!.breadcrumbs.map((c) => c.name)).toEqual(['Raf', 'Kutular']);

    await call('PATCH', `/attributes/${ids.colour}`, { payload: { names: { tr: 'Renk Tonu' } } });
    expect((await nameNow()).attributes[0]!.name).toBe('Renk Tonu');
    await call('PATCH', `/attributes/${ids.colour}/options/${ids.brown}`, {
      payload: { labels: { tr: 'Koyu Kahve' } },
    });
    expect((await nameNow()).attributes[0]!.options[0]!.label).toBe('Koyu Kahve');

    await guestSees(product.slug, product.id);
  });

  it('gets resized image URLs once the file is ready (file.ready, through a job)', async () => {
    expect((await guestPage(product.slug)).json().images[0].urls.thumb).toBeNull();
    const tenantId = await t.tenantId('demo');
    await t.ownerQuery(
      `UPDATE files SET status = 'ready',
              variants = jsonb_build_array(jsonb_build_object('name', 'thumb', 'key', sha256 || '/thumb.webp',
                'contentType', 'image/webp', 'width', 200, 'height', 150, 'sizeBytes', 900))
        WHERE id = $1`,
      [ids.file],
    );
    await withTx(systemContext(t.runtime, tenantId), (tx) => emit(tx, FILE_READY, { fileId: ids.file }));
    await waitFor(async () =>
      (await guestPage(product.slug)).json().images[0].urls.thumb ? true : undefined,
    );
    await guestSees(product.slug, product.id);
  });

  it('removes the page of a product that is no longer shown: drafts and deleted products are 404', async () => {
    const other = await createProduct(call, {
      status: 'active',
      translations: { tr: { name: 'Geçici Ürün' } },
    });
    expect(await storedRows(other.id)).toHaveLength(1);
    await call('PATCH', `/products/${other.id}`, { payload: { status: 'draft' } });
    expect(await storedRows(other.id)).toHaveLength(0);
    expectProblem(await guestPage(other.slug), 404, 'catalog.product_not_found');
    expect((await call('GET', `/products/${other.slug}`)).statusCode).toBe(200);

    await call('PATCH', `/products/${other.id}`, { payload: { status: 'active' } });
    expect(await storedRows(other.id)).toHaveLength(1);
    expect((await call('DELETE', `/products/${other.id}`)).statusCode).toBe(204);
    expect(await storedRows(other.id)).toHaveLength(0);
    expectProblem(await guestPage(other.id), 404, 'catalog.product_not_found');
    expectProblem(await guestPage('no-such-product'), 404, 'catalog.product_not_found');
  });

  it('rebuilds pages in the background when a change reaches many products (catalog.product_pages_stale)', async () => {
    const tenantId = await t.tenantId('demo');
    const before = await storedRows(product.id);
    await dropStored(product.id);
    // Until rebuilt, the page is made for each request.
    expect((await guestPage(product.slug)).json()).toMatchObject({ id: product.id });
    await withTx(systemContext(t.runtime, tenantId), (tx) =>
      emit(tx, PAGES_STALE, { productIds: [product.id] }),
    );
    await waitFor(async () => ((await storedRows(product.id)).length === 2 ? true : undefined));
    expect(await storedRows(product.id)).toEqual(before);

    // The whole catalog, as after a new content language.
    await dropStored(product.id);
    await withTx(systemContext(t.runtime, tenantId), (tx) => emit(tx, PAGES_STALE, { productIds: null }));
    await waitFor(async () => ((await storedRows(product.id)).length === 2 ? true : undefined));
  });

  it('remakes every page with the new fallback when the tenant changes its language', async () => {
    const changed = await call('PATCH', '/tenant/settings', { payload: { locale: 'en-US' } });
    expect(changed.statusCode, changed.body).toBe(200);
    // Pages made with the old language are not served meanwhile: the page is made per request.
    expect((await guestPage(product.slug)).json()).toMatchObject({ locale: 'en', name: 'Stored Kraft Box' });
    await waitFor(async () => {
      const rows = await storedRows(product.id);
      return rows.length === 2 && rows.every((r) => r.fallback === 'en') ? true : undefined;
    });
    const [sortName] = await t.ownerQuery<{ sort_name: string }>(
      'SELECT sort_name FROM products WHERE id = $1',
      [product.id],
    );
    expect(sortName!.sort_name).toBe('stored kraft box');
    await guestSees(product.slug, product.id);
    await call('PATCH', '/tenant/settings', { payload: { locale: 'tr-TR' } });
  });
});
