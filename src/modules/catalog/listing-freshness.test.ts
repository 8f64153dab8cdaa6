import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { createProduct } from '../../../test/catalog.js';
import { apiCaller } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';

// Guests' listing pages are kept for a few seconds per process; a change made through the API must
// show on the next request all the same, not when the page expires.
describe('listing pages after catalog changes', () => {
  let t: TestApp;
  let admin: SignedIn;
  const call = apiCaller(
    () => t.app,
    () => admin,
  );
  const guestNames = async (query = '') => {
    const response = await call('GET', `/products?limit=50${query}`, { auth: null });
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { items: { name: string }[] }).items.map((item) => item.name);
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
  });
  afterAll(() => t?.close());

  it('shows a new, renamed, re-priced or deleted product at once', async () => {
    expect(await guestNames()).toEqual([]);
    const product = await createProduct(call, {
      status: 'active',
      translations: { tr: { name: 'Oluklu Koli' } },
    });
    expect(await guestNames()).toEqual(['Oluklu Koli']);
    expect(await guestNames('&q=koli')).toEqual(['Oluklu Koli']);

    const renamed = await call('PATCH', `/products/${product.id}`, {
      payload: { translations: { tr: { name: 'Kraft Çanta' } } },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(await guestNames()).toEqual(['Kraft Çanta']);
    expect(await guestNames('&q=canta')).toEqual(['Kraft Çanta']);
    expect(await guestNames('&q=koli')).toEqual([]);

    const variant = product.variants[0]!;
    const repriced = await call('PATCH', `/products/${product.id}/variants/${variant.id}`, {
      payload: { basePrice: '99.50' },
    });
    expect(repriced.statusCode, repriced.body).toBe(200);
    expect(await guestNames('&priceMin=90')).toEqual(['Kraft Çanta']);

    expect((await call('DELETE', `/products/${product.id}`)).statusCode).toBe(204);
    expect(await guestNames()).toEqual([]);
  });

  it('tags a page with its ETag, kept with the cached page, and answers 304 to it', async () => {
    await createProduct(call, { status: 'active', translations: { tr: { name: 'Streç Film' } } });
    const first = await call('GET', '/products?limit=5', { auth: null });
    const etag = first.headers['etag'] as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await call('GET', '/products?limit=5', { auth: null });
    expect(again.headers['etag']).toBe(etag);
    expect(again.body).toBe(first.body);
    const cached = await call('GET', '/products?limit=5', { auth: null, headers: { 'if-none-match': etag } });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    // The tag follows the content: a change gives a new page and a new tag.
    await createProduct(call, { status: 'active', translations: { tr: { name: 'Koli Bandı' } } });
    const changed = await call('GET', '/products?limit=5', {
      auth: null,
      headers: { 'if-none-match': etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers['etag']).not.toBe(etag);
  });

  it('compresses a kept page once for callers that take gzip, and follows changes', async () => {
    await createProduct(call, { status: 'active', translations: { tr: { name: 'Palet Streç' } } });
    const gzipped = () =>
      call('GET', '/products?limit=5', { auth: null, headers: { 'accept-encoding': 'gzip, br' } });
    const plain = await call('GET', '/products?limit=5', { auth: null });
    const first = await gzipped();
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(first.headers.vary).toContain('accept-encoding');
    expect(first.headers.etag).toBe(plain.headers.etag);
    expect(gunzipSync(first.rawPayload).toString()).toBe(plain.body);
    expect((await gzipped()).rawPayload.equals(first.rawPayload)).toBe(true);

    await createProduct(call, { status: 'active', translations: { tr: { name: 'Kargo Poşeti' } } });
    const changed = await gzipped();
    expect(
      JSON.parse(gunzipSync(changed.rawPayload).toString()).items.map((i: { name: string }) => i.name),
    ).toContain('Kargo Poşeti');
  });
});
