import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import {
  auditTrail,
  type BrandBody,
  createBrand,
  createProduct,
  insertFile,
  otherTenantAdmin,
  type ProductBody,
} from '../../../test/catalog.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

describe('brands', () => {
  let t: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;

  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  async function searchTextOf(productId: string): Promise<string> {
    const [row] = await t.ownerQuery<{ search_text: string }>(
      'SELECT search_text FROM products WHERE id = $1',
      [productId],
    );
    return row!.search_text;
  }

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await makeUser(t, {
      email: 'bayi@ornek.com.tr',
      password: PASSWORD,
      kind: 'customer',
      roles: ['dealer_owner'],
    });
    customer = await signIn(t.app, 'bayi@ornek.com.tr', PASSWORD);
  });
  afterAll(() => t?.close());

  it('makes slugs from names and refuses a given slug that is taken', async () => {
    const first = await createBrand(call, 'Ülker');
    const second = await createBrand(call, 'ÜLKER');
    expect([first.slug, second.slug]).toEqual(['ulker', 'ulker-2']);
    const taken = await call('POST', '/brands', { payload: { name: 'Başka', slug: 'ulker' } });
    expectProblem(taken, 409, 'catalog.slug_taken');
    expect(taken.json()).toMatchObject({ field: 'slug' });
    const patch = await call('PATCH', `/brands/${second.id}`, { payload: { slug: 'ulker' } });
    expectProblem(patch, 409, 'catalog.slug_taken');
    expect(
      (await call('PATCH', `/brands/${second.id}`, { payload: { slug: 'ulker-gida' } })).json(),
    ).toMatchObject({
      slug: 'ulker-gida',
    });
  });

  it('refuses a taken external id, bad logos and bad bodies', async () => {
    await createBrand(call, 'Eti', { externalId: 'M-1' });
    const taken = await call('POST', '/brands', { payload: { name: 'Eti 2', externalId: 'M-1' } });
    expectProblem(taken, 409, 'catalog.external_id_taken');
    for (const logo of [
      await insertFile(t, { visibility: 'private' }),
      await insertFile(t, { purpose: 'document' }),
      await insertFile(t, { deleted: true }),
      '0190f5a2-0000-7000-8000-000000000000',
    ]) {
      const response = await call('POST', '/brands', { payload: { name: 'Logolu', logoFileId: logo } });
      expectProblem(response, 400, 'catalog.invalid_image');
      expect(response.json()).toMatchObject({ errors: [{ field: 'logoFileId' }] });
    }
    for (const payload of [
      { name: '' },
      { name: 'x'.repeat(201) },
      { name: 'x', slug: 'X Y' },
      { name: 'x', web: 'y' },
    ]) {
      expectProblem(await call('POST', '/brands', { payload }), 400, 'request.validation_failed');
    }
    const [row] = await t.ownerQuery<{ n: string }>(
      "SELECT count(*) AS n FROM brands WHERE name IN ('Eti 2', 'Logolu')",
    );
    expect(row!.n).toBe('0');
  });

  it('shows a logo’s URLs and descriptions per locale', async () => {
    const logo = await insertFile(t, { withVariants: true });
    const brand = await createBrand(call, 'Kartonsan', {
      logoFileId: logo,
      description: { tr: 'Karton üreticisi', en: 'Board maker' },
    });
    const read = await call('GET', `/brands/${brand.id}?locale=en`, { auth: null });
    expect(read.json()).toMatchObject({
      name: 'Kartonsan',
      description: 'Board maker',
      descriptions: { tr: 'Karton üreticisi', en: 'Board maker' },
      logoFileId: logo,
      logo: {
        original: expect.stringMatching(/original\.png$/),
        thumb: expect.stringMatching(/thumb\.webp$/),
      },
    });
  });

  it('lists brands with cursors and a name filter', async () => {
    const names = ['Filtre Bir', 'Filtre İki', 'Filtre Üç'];
    for (const name of names) await createBrand(call, name);
    const page = (await call('GET', '/brands?q=filtre&limit=2', { auth: null })).json() as {
      items: BrandBody[];
      nextCursor: string;
    };
    expect(page.items.map((b) => b.name)).toEqual(['Filtre Bir', 'Filtre İki']);
    const rest = (await call('GET', `/brands?q=filtre&limit=2&cursor=${page.nextCursor}`)).json() as {
      items: BrandBody[];
      nextCursor: string | null;
    };
    expect(rest.items.map((b) => b.name)).toEqual(['Filtre Üç']);
    expect(rest.nextCursor).toBeNull();
    const wildcard = (await call('GET', '/brands?q=%25')).json() as { items: BrandBody[] };
    expect(wildcard.items).toEqual([]);
    expectProblem(await call('GET', '/brands?q=%00'), 400, 'request.invalid_characters');
    expectProblem(await call('GET', `/brands?q=${'x'.repeat(101)}`), 400, 'request.validation_failed');
  });

  it('re-indexes the brand’s products on rename, and leaves them brandless on delete', async () => {
    const brand = await createBrand(call, 'Eskiad');
    const product = await createProduct(call, { brandId: brand.id });
    expect(await searchTextOf(product.id)).toContain('eskiad');
    await call('PATCH', `/brands/${brand.id}`, { payload: { name: 'Yeniad' } });
    expect(await searchTextOf(product.id)).toContain('yeniad');
    expect(await searchTextOf(product.id)).not.toContain('eskiad');
    expect(((await call('GET', `/products/${product.id}`)).json() as ProductBody).brand).toMatchObject({
      name: 'Yeniad',
    });

    expect((await call('DELETE', `/brands/${brand.id}`)).statusCode).toBe(204);
    expectProblem(await call('GET', `/brands/${brand.id}`), 404, 'catalog.brand_not_found');
    expect(((await call('GET', `/products/${product.id}`)).json() as ProductBody).brand).toBeNull();
    expect(await searchTextOf(product.id)).not.toContain('yeniad');
    expect((await auditTrail(t, 'brand', brand.id)).map((e) => e.action)).toEqual([
      'brand.created',
      'brand.updated',
      'brand.deleted',
    ]);
    const events = await t.ownerQuery<{ type: string }>(
      "SELECT type FROM domain_events WHERE payload->>'brandId' = $1 ORDER BY id",
      [brand.id],
    );
    expect(events.map((e) => e.type)).toEqual([
      'catalog.brand_changed',
      'catalog.brand_changed',
      'catalog.brand_changed',
    ]);
  });

  it('checks permissions and tenants', async () => {
    const brand = await createBrand(call, 'Yetkili Marka');
    expectProblem(
      await call('POST', '/brands', { auth: customer, payload: { name: 'X' } }),
      403,
      'auth.forbidden',
    );
    expectProblem(
      await call('PATCH', `/brands/${brand.id}`, { auth: customer, payload: { name: 'X' } }),
      403,
      'auth.forbidden',
    );
    expectProblem(await call('DELETE', `/brands/${brand.id}`, { auth: null }), 401, 'auth.unauthenticated');
    const other = await otherTenantAdmin(t, 'baska-firma');
    for (const [method, payload] of [
      ['GET', undefined],
      ['PATCH', { name: 'Ele geçirildi' }],
      ['DELETE', undefined],
    ] as const) {
      expectProblem(
        await call(method, `/brands/${brand.id}`, { auth: other, payload }),
        404,
        'catalog.brand_not_found',
      );
    }
    const theirs = await call('POST', '/products', {
      auth: other,
      payload: {
        translations: { tr: { name: 'X' } },
        brandId: brand.id,
        variants: [{ sku: 'X-1', basePrice: '1' }],
      },
    });
    expectProblem(theirs, 400, 'catalog.invalid_reference');
    expect((await call('GET', `/brands/${brand.id}`)).json()).toMatchObject({ name: 'Yetkili Marka' });
  });
});
