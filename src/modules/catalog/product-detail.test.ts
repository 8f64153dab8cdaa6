import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import {
  createBoxesTree,
  createBrand,
  createProduct,
  insertFile,
  type ProductBody,
  setCatalogRequiresLogin,
  uniqueSku,
} from '../../../test/catalog.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

describe('product page: GET /products/:id (id or slug)', () => {
  let t: TestApp;
  let admin: SignedIn;
  let support: SignedIn;
  let customer: SignedIn;
  let active: ProductBody;
  let draft: ProductBody;

  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await makeUser(t, { email: 'destek@ornek.com.tr', password: PASSWORD, roles: ['customer_service'] });
    await makeUser(t, {
      email: 'bayi@ornek.com.tr',
      password: PASSWORD,
      kind: 'customer',
      roles: ['dealer_owner'],
    });
    support = await signIn(t.app, 'destek@ornek.com.tr', PASSWORD);
    customer = await signIn(t.app, 'bayi@ornek.com.tr', PASSWORD);

    const { boxes } = await createBoxesTree(call);
    const brand = await createBrand(call, 'Kartonsan');
    const image = await insertFile(t, { withVariants: true });
    const variantImage = await insertFile(t);
    const hiddenSku = uniqueSku('HIDDEN');
    active = await createProduct(call, {
      status: 'active',
      brandId: brand.id,
      categoryIds: [boxes.id],
      attributes: [{ code: 'renk', value: 'kahve' }],
      translations: {
        tr: { name: 'Kraft Kutu Ölçülü', description: 'Dayanıklı' },
        en: { name: 'Measured Kraft Box', description: 'Sturdy' },
      },
      variants: [
        { sku: uniqueSku(), basePrice: '12.50', stockQuantity: '40' },
        { sku: hiddenSku, basePrice: '9.00', status: 'inactive', stockQuantity: '3' },
      ],
      images: [
        { fileId: image, alt: { tr: 'Kutu', en: 'Box' } },
        { fileId: variantImage, variantSku: hiddenSku },
      ],
    });
    draft = await createProduct(call, { translations: { tr: { name: 'Taslak Ürün' } } });
  });
  afterAll(() => t?.close());

  it('shows an active product to guests, with categories, breadcrumbs, brand, attributes and image URLs', async () => {
    const response = await call('GET', `/products/${active.id}`, { auth: null });
    expect(response.statusCode, response.body).toBe(200);
    const product = response.json() as ProductBody;
    expect(product).toMatchObject({
      name: 'Kraft Kutu Ölçülü',
      slug: 'kraft-kutu-olculu',
      description: 'Dayanıklı',
      locale: 'tr',
      brand: { name: 'Kartonsan', slug: 'kartonsan' },
      minPrice: '12.5000',
      maxPrice: '12.5000',
      inStock: true,
    });
    expect(product.categories).toEqual([
      {
        id: expect.any(String),
        name: 'Kutular',
        slug: 'kutular',
        breadcrumbs: [
          { id: expect.any(String), name: 'Ambalaj', slug: 'ambalaj' },
          { id: product.categories[0]!.id, name: 'Kutular', slug: 'kutular' },
        ],
      },
    ]);
    expect(product.attributes).toEqual([
      expect.objectContaining({
        code: 'renk',
        type: 'enum',
        name: 'Renk',
        value: 'kahve',
        options: [{ code: 'kahve', label: 'Kahverengi' }],
      }),
    ]);
    expect(product.images).toHaveLength(1);
    expect(product.images[0]!.alt).toBe('Kutu');
    expect(product.images[0]!.urls.original).toMatch(
      /^\/api\/v1\/files\/public\/[0-9a-f]{64}\/original\.png$/,
    );
    expect(product.images[0]!.urls.thumb).toMatch(/thumb\.webp$/);
  });

  it('hides inactive variants, their images and stock quantities from guests and customers', async () => {
    for (const auth of [null, customer]) {
      const product = (await call('GET', `/products/${active.slug}`, { auth })).json() as ProductBody;
      expect(product.variants).toHaveLength(1);
      expect(product.variants[0]!.status).toBe('active');
      expect(product.variants[0]!.inStock).toBe(true);
      expect(product.variants[0]).not.toHaveProperty('stockQuantity');
      expect(product.images).toHaveLength(1);
    }
    const staff = (await call('GET', `/products/${active.slug}`, { auth: support })).json() as ProductBody;
    expect(staff.variants.map((v) => v.status)).toEqual(['active', 'inactive']);
    expect(staff.variants.map((v) => v.stockQuantity)).toEqual(['40.000', '3.000']);
    expect(staff.images).toHaveLength(2);
  });

  it('answers a draft with 404 to guests and customers, and shows it to staff with products.view', async () => {
    expectProblem(
      await call('GET', `/products/${draft.id}`, { auth: null }),
      404,
      'catalog.product_not_found',
    );
    expectProblem(
      await call('GET', `/products/${draft.slug}`, { auth: customer }),
      404,
      'catalog.product_not_found',
    );
    for (const auth of [support, admin]) {
      const response = await call('GET', `/products/${draft.slug}`, { auth });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ id: draft.id, status: 'draft' });
    }
    const archived = await call('PATCH', `/products/${draft.id}`, { payload: { status: 'archived' } });
    expect(archived.statusCode).toBe(200);
    expectProblem(
      await call('GET', `/products/${draft.id}`, { auth: null }),
      404,
      'catalog.product_not_found',
    );
  });

  it('finds a product by its slug in any locale and shows texts in the asked locale', async () => {
    const english = (await call('GET', '/products/measured-kraft-box', { auth: null })).json() as ProductBody;
    expect(english.id).toBe(active.id);
    expect(english.locale).toBe('tr');
    expect(english.name).toBe('Kraft Kutu Ölçülü');

    const asked = (
      await call('GET', `/products/${active.id}?locale=en`, { auth: null })
    ).json() as ProductBody;
    expect(asked).toMatchObject({ locale: 'en', name: 'Measured Kraft Box', slug: 'measured-kraft-box' });
    expect(asked.categories[0]!.breadcrumbs.map((b) => b.name)).toEqual(['Packaging', 'Boxes']);
    expect(asked.attributes[0]).toMatchObject({
      name: 'Colour',
      options: [{ code: 'kahve', label: 'Brown' }],
    });
    expect(asked.images[0]!.alt).toBe('Box');

    // A region falls back to its language, an unknown language to the tenant's.
    expect(((await call('GET', `/products/${active.id}?locale=en-GB`)).json() as ProductBody).name).toBe(
      'Measured Kraft Box',
    );
    expect(((await call('GET', `/products/${active.id}?locale=de`)).json() as ProductBody).name).toBe(
      'Kraft Kutu Ölçülü',
    );
    expectProblem(
      await call('GET', `/products/${active.id}?locale=english`),
      400,
      'request.validation_failed',
    );
  });

  it('answers unknown and malformed ids or slugs without a 500', async () => {
    expectProblem(
      await call('GET', '/products/0190f5a2-0000-7000-8000-000000000000'),
      404,
      'catalog.product_not_found',
    );
    expectProblem(await call('GET', '/products/yok-boyle-bir-urun'), 404, 'catalog.product_not_found');
    expectProblem(await call('GET', "/products/x'%20OR%201=1"), 400, 'request.validation_failed');
    expectProblem(await call('GET', `/products/${'a'.repeat(100)}`), 404, 'catalog.product_not_found');
    const overlong = await call('GET', `/products/${'a'.repeat(300)}`);
    expect(overlong.statusCode).toBeGreaterThanOrEqual(400);
    expect(overlong.statusCode).toBeLessThan(500);
  });

  it('answers guests with 401 when the tenant requires login, and still serves signed-in callers', async () => {
    await setCatalogRequiresLogin(t, 'demo', true);
    try {
      for (const url of [`/products/${active.id}`, '/categories', '/brands', '/attributes']) {
        expectProblem(await call('GET', url, { auth: null }), 401, 'auth.unauthenticated');
      }
      expect((await call('GET', `/products/${active.id}`, { auth: customer })).statusCode).toBe(200);
      expect((await call('GET', '/categories', { auth: customer })).statusCode).toBe(200);
    } finally {
      await setCatalogRequiresLogin(t, 'demo', false);
    }
    expect((await call('GET', `/products/${active.id}`, { auth: null })).statusCode).toBe(200);
  });

  it('sends an ETag and answers a matching If-None-Match with 304', async () => {
    const first = await call('GET', `/products/${active.id}`, { auth: null });
    const etag = first.headers['etag'] as string;
    expect(etag).toBeTruthy();
    const second = await call('GET', `/products/${active.id}`, {
      auth: null,
      headers: { 'if-none-match': etag },
    });
    expect(second.statusCode).toBe(304);
  });
});
