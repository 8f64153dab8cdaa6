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
});
