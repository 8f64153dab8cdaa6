import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import { ensureTenant, tenantDirectoryOf } from '../tenancy/index.js';
import { CatalogFixtures } from './listing.fixtures.js';
import type { ProductListingItem, ProductSearchResult } from './search/engine.js';
import { hydrateListingItems } from './search/postgres-engine.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

describe('GET /products: filters, visibility and input', () => {
  let t: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;
  let financeStaff: SignedIn;
  let f: CatalogFixtures;
  const ids = {} as Record<
    'kutu' | 'koli' | 'canta' | 'kalem' | 'defter' | 'fiyatsiz' | 'taslak' | 'eski' | 'silinmis' | 'other',
    string
  >;
  const cat = {} as Record<'ambalaj' | 'kutular' | 'kraftKutular' | 'cantalar' | 'ofis', string>;
  const brand = {} as Record<'kraftpak' | 'oz' | 'ege', string>;

  const call = apiCaller(
    () => t.app,
    () => null,
  );
  async function list(query: string, auth: SignedIn | null = null): Promise<ProductSearchResult> {
    const response = await call('GET', `/products${query}`, { auth });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as ProductSearchResult;
  }
  const names = (page: ProductSearchResult) => page.items.map((item) => item.name).sort();

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await makeUser(t, {
      email: 'bayi@carsi.test',
      password: PASSWORD,
      kind: 'customer',
      roles: ['dealer_owner'],
    });
    customer = await signIn(t.app, 'bayi@carsi.test', PASSWORD);
    // Staff without products.view: a customer's view of the catalog.
    await makeUser(t, { email: 'muhasebe@carsi.test', password: PASSWORD, roles: ['finance_manager'] });
    financeStaff = await signIn(t.app, 'muhasebe@carsi.test', PASSWORD);

    f = new CatalogFixtures(t.runtime, await t.tenantId('demo'));
    brand.kraftpak = (await f.brand('Kraftpak')).id;
    brand.oz = (await f.brand('Öz Karton')).id;
    brand.ege = (await f.brand('Ege Plastik')).id;
    cat.ambalaj = await f.category('Ambalaj');
    cat.kutular = await f.category('Kutular', cat.ambalaj);
    cat.kraftKutular = await f.category('Kraft Kutular', cat.kutular);
    cat.cantalar = await f.category('Çantalar', cat.ambalaj);
    cat.ofis = await f.category('Ofis');
    await f.attribute({ code: 'renk', type: 'enum', options: ['kirmizi', 'mavi', 'yesil'] });
    await f.attribute({ code: 'boyut', type: 'multi_enum', options: ['s', 'm', 'l'] });
    await f.attribute({ code: 'agirlik', type: 'number', unit: 'g' });
    await f.attribute({ code: 'geri_donusumlu', type: 'boolean' });
    await f.attribute({ code: 'gizli', type: 'enum', filterable: false, options: ['a'] });

    ids.kutu = await f.product({
      name: { tr: 'Kraft Kutu', en: 'Kraft Box' },
      slug: { tr: 'kraft-kutu', en: 'kraft-box' },
      brandId: brand.kraftpak,
      categoryIds: [cat.kraftKutular],
      variants: [
        { sku: 'KRF-1040-B', price: '10.50', stock: '5' },
        { sku: 'KRF-1040-C', price: '12.00', stock: '0', status: 'inactive' },
      ],
      attributes: { renk: 'kirmizi', boyut: ['s', 'm'], agirlik: 100, geri_donusumlu: true },
      images: [{}, {}],
      unit: 'koli',
      minOrderQuantity: '2.000',
      orderMultiple: '2',
    });
    ids.koli = await f.product({
      name: 'Oluklu Koli',
      brandId: brand.oz,
      categoryIds: [cat.kutular],
      variants: [
        { price: '25.00', stock: '3' },
        { price: '40.00', stock: '0' },
      ],
      attributes: { renk: 'mavi', boyut: ['l'], agirlik: 500, geri_donusumlu: true },
    });
    ids.canta = await f.product({
      name: 'Çanta',
      brandId: brand.ege,
      categoryIds: [cat.cantalar],
      variants: [{ price: '5.00', stock: '0' }],
      attributes: { renk: 'kirmizi', boyut: ['m'], agirlik: 20, geri_donusumlu: false },
      images: [{ variantOnly: true }],
    });
    ids.kalem = await f.product({
      name: { en: 'Office Pen' },
      categoryIds: [cat.ofis],
      variants: [{ price: '2.75' }],
      attributes: { renk: 'mavi' },
      images: [{ visibility: 'private' }],
    });
    ids.defter = await f.product({
      name: 'İSTANBUL Defteri',
      brandId: brand.oz,
      categoryIds: [cat.ofis, cat.kutular],
      variants: [{ price: '15.00' }],
      attributes: { renk: 'yesil', agirlik: 250 },
    });
    ids.fiyatsiz = await f.product({
      name: 'Fiyatsız Ürün',
      variants: [{ price: '9.00', status: 'inactive' }],
    });
    ids.taslak = await f.product({
      name: 'Taslak Kutu',
      status: 'draft',
      brandId: brand.kraftpak,
      categoryIds: [cat.kutular],
    });
    ids.eski = await f.product({ name: 'Eski Kutu', status: 'archived', categoryIds: [cat.kutular] });
    ids.silinmis = await f.product({ name: 'Silinmiş Kutu', deleted: true, categoryIds: [cat.kutular] });

    // Another tenant's product, which must never show up.
    const other = await withTx(systemContext(t.runtime, null), (tx) =>
      ensureTenant(tx, { slug: 'baska', name: 'Başka' }),
    );
    const otherFixtures = new CatalogFixtures(t.runtime, other.tenant.id);
    ids.other = await otherFixtures.product({ name: 'Kraft Kutu Başka', variants: [{ price: '10.50' }] });
  });
  afterAll(() => t?.close());

  describe('what each caller sees', () => {
    it('shows guests and customers active products only, with listing fields', async () => {
      for (const auth of [null, customer, financeStaff]) {
        const page = await list('', auth);
        expect(names(page)).toEqual(
          ['Fiyatsız Ürün', 'Kraft Kutu', 'Office Pen', 'Oluklu Koli', 'Çanta', 'İSTANBUL Defteri'].sort(),
        );
        expect(page.total).toBe(6);
      }
      const kutu = (await list('')).items.find((item) => item.id === ids.kutu)!;
      expect(kutu).toEqual({
        id: ids.kutu,
        slug: 'kraft-kutu',
        name: 'Kraft Kutu',
        status: 'active',
        brand: { id: brand.kraftpak, name: 'Kraftpak', slug: 'kraftpak' },
        minPrice: '10.50',
        maxPrice: '10.50',
        currency: 'TRY',
        inStock: true,
        unit: 'koli',
        minOrderQuantity: '2',
        orderMultiple: '2',
        image: {
          original: expect.stringMatching(/^\/api\/v1\/files\/public\/.+\.jpg$/),
          thumb: expect.stringMatching(/-thumb\.webp$/),
          medium: expect.stringMatching(/-medium\.webp$/),
          large: expect.stringMatching(/-large\.webp$/),
        },
        variantCount: 1,
      } satisfies ProductListingItem);
    });

    it('shows staff with products.view every status but never deleted products, and inactive variants', async () => {
      const page = await list('', admin);
      expect(page.items.map((item) => item.id)).not.toContain(ids.silinmis);
      expect(page.total).toBe(8);
      expect(page.items.find((item) => item.id === ids.kutu)!.variantCount).toBe(2);
      expect(names(await list('?status=draft,archived', admin))).toEqual(['Eski Kutu', 'Taslak Kutu']);
      expect(names(await list('?status=draft&status=active&category=' + cat.kutular, admin))).toEqual(
        ['Kraft Kutu', 'Oluklu Koli', 'Taslak Kutu', 'İSTANBUL Defteri'].sort(),
      );
    });

    it('refuses draft or archived statuses to everyone else, naming the field', async () => {
      for (const auth of [null, customer, financeStaff]) {
        const response = await call('GET', '/products?status=draft', { auth });
        expectProblem(response, 400, 'request.validation_failed');
        expect(response.json().errors).toEqual([
          {
            in: 'querystring',
            field: 'status',
            message: 'draft and archived products are shown to staff only',
          },
        ]);
      }
      expect(names(await list('?status=active', customer))).toHaveLength(6);
    });

    it('never shows another tenant’s products', async () => {
      const page = await list('?q=kraft');
      expect(page.items.map((item) => item.id)).toEqual([ids.kutu]);
      const other = await call('GET', '/products', { headers: { 'x-tenant': 'baska' } });
      expect((other.json() as ProductSearchResult).items.map((item) => item.id)).toEqual([ids.other]);
    });

    it('answers 401 to guests when the tenant’s catalog requires signing in', async () => {
      await t.ownerQuery(
        `UPDATE tenants SET settings = settings || '{"catalog": {"requireLogin": true}}' WHERE slug = 'demo'`,
      );
      tenantDirectoryOf(t.runtime).invalidate();
      try {
        expectProblem(await call('GET', '/products'), 401, 'auth.unauthenticated');
        expect((await list('', customer)).total).toBe(6);
      } finally {
        await t.ownerQuery(`UPDATE tenants SET settings = settings - 'catalog' WHERE slug = 'demo'`);
        tenantDirectoryOf(t.runtime).invalidate();
      }
      expect((await list('')).total).toBe(6);
    });
  });

  describe('listing fields', () => {
    it('names products in the requested locale, else the tenant’s, else any translation', async () => {
      const english = await list('?locale=en');
      expect(english.items.find((item) => item.id === ids.kutu)).toMatchObject({
        name: 'Kraft Box',
        slug: 'kraft-box',
      });
      expect(english.items.find((item) => item.id === ids.koli)!.name).toBe('Oluklu Koli');
      const turkish = await list('');
      expect(turkish.items.find((item) => item.id === ids.kalem)!.name).toBe('Office Pen');
      expect((await list('?locale=en-GB')).items.find((item) => item.id === ids.kutu)!.name).toBe(
        'Kraft Box',
      );
    });

    it('reads listing items for ids an external engine returns, in its order, visible ones only', async () => {
      const tenantId = await t.tenantId('demo');
      const items = await withTx(systemContext(t.runtime, tenantId), (tx) =>
        hydrateListingItems(tx, [ids.koli, ids.taslak, ids.silinmis, ids.kutu, ids.other], {
          tenantId,
          words: [],
          categoryId: null,
          brandIds: [],
          attributes: [],
          priceMin: null,
          priceMax: null,
          inStock: null,
          statuses: ['active'],
          includeInactiveVariants: false,
          sort: 'newest',
          cursor: null,
          limit: 20,
          locales: ['en', 'tr'],
          facets: false,
          facetAttributes: [],
        }),
      );
      expect(items.map((item) => [item.id, item.name])).toEqual([
        [ids.koli, 'Oluklu Koli'],
        [ids.kutu, 'Kraft Box'],
      ]);
      expect(items[1]).toMatchObject({ minPrice: '10.50', variantCount: 1, brand: { slug: 'kraftpak' } });
    });

    it('shows the price range of active variants, null without one, and images anyone may fetch', async () => {
      const page = await list('');
      const byId = new Map(page.items.map((item) => [item.id, item]));
      expect(byId.get(ids.koli)).toMatchObject({
        minPrice: '25.00',
        maxPrice: '40.00',
        inStock: true,
        brand: { slug: 'oz-karton' },
      });
      expect(byId.get(ids.fiyatsiz)).toMatchObject({
        minPrice: null,
        maxPrice: null,
        currency: null,
        inStock: false,
        variantCount: 0,
      });
      expect(byId.get(ids.canta)!.image?.original).toMatch(/\.jpg$/);
      expect(byId.get(ids.kalem)).toMatchObject({ image: null, brand: null });
    });
  });

  describe('filters', () => {
    it('filters by a category and everything below it', async () => {
      expect(names(await list(`?category=${cat.ambalaj}`))).toEqual(
        ['Kraft Kutu', 'Oluklu Koli', 'Çanta', 'İSTANBUL Defteri'].sort(),
      );
      expect(names(await list(`?category=${cat.kutular}`))).toEqual(
        ['Kraft Kutu', 'Oluklu Koli', 'İSTANBUL Defteri'].sort(),
      );
      expect(names(await list(`?category=${cat.kraftKutular}`))).toEqual(['Kraft Kutu']);
      expect(names(await list(`?category=${cat.ofis}`))).toEqual(['Office Pen', 'İSTANBUL Defteri'].sort());
      expect((await list('?category=01890000-0000-7000-8000-000000000000')).items).toEqual([]);
    });

    it('filters by one or several brands, comma-separated or repeated', async () => {
      expect(names(await list(`?brand=${brand.oz}`))).toEqual(['Oluklu Koli', 'İSTANBUL Defteri'].sort());
      const two = ['Kraft Kutu', 'Oluklu Koli', 'İSTANBUL Defteri'].sort();
      expect(names(await list(`?brand=${brand.oz},${brand.kraftpak}`))).toEqual(two);
      expect(names(await list(`?brand=${brand.oz}&brand=${brand.kraftpak.toUpperCase()}`))).toEqual(two);
    });

    it('filters by price range against the lowest and highest variant prices, exactly', async () => {
      expect(names(await list('?priceMin=10.50&priceMax=15'))).toEqual(
        ['Kraft Kutu', 'İSTANBUL Defteri'].sort(),
      );
      expect(names(await list('?priceMin=10.51&priceMax=15'))).toEqual(['İSTANBUL Defteri']);
      // Oluklu Koli costs 25 to 40: a range inside it still meets it.
      expect(names(await list('?priceMin=30&priceMax=35'))).toEqual(['Oluklu Koli']);
      expect(names(await list('?priceMax=5'))).toEqual(['Office Pen', 'Çanta'].sort());
      expect(names(await list('?priceMin=40.0001'))).toEqual([]);
    });

    it('filters by stock', async () => {
      expect(names(await list('?inStock=true'))).toEqual(
        ['Kraft Kutu', 'Office Pen', 'Oluklu Koli', 'İSTANBUL Defteri'].sort(),
      );
      expect(names(await list('?inStock=false'))).toEqual(['Fiyatsız Ürün', 'Çanta'].sort());
    });

    it('filters by enum options (any of them) and multi-enum options', async () => {
      expect(names(await list('?attr.renk=kirmizi'))).toEqual(['Kraft Kutu', 'Çanta'].sort());
      expect(names(await list('?attr.renk=kirmizi,yesil'))).toEqual(
        ['Kraft Kutu', 'Çanta', 'İSTANBUL Defteri'].sort(),
      );
      expect(names(await list('?attr.boyut=m'))).toEqual(['Kraft Kutu', 'Çanta'].sort());
      expect(names(await list('?attr.boyut=l&attr.renk=mavi'))).toEqual(['Oluklu Koli']);
      expect(names(await list('?attr.boyut=l&attr.renk=kirmizi'))).toEqual([]);
    });

    it('filters by numbers (values, minimum, maximum) and booleans', async () => {
      expect(names(await list('?attr.agirlik.min=100&attr.agirlik.max=250'))).toEqual(
        ['Kraft Kutu', 'İSTANBUL Defteri'].sort(),
      );
      expect(names(await list('?attr.agirlik.min=250.5'))).toEqual(['Oluklu Koli']);
      expect(names(await list('?attr.agirlik=20,500'))).toEqual(['Oluklu Koli', 'Çanta'].sort());
      expect(names(await list('?attr.geri_donusumlu=true'))).toEqual(['Kraft Kutu', 'Oluklu Koli'].sort());
      expect(names(await list('?attr.geri_donusumlu=false'))).toEqual(['Çanta']);
    });

    it('combines filters with AND', async () => {
      const page = await list(
        `?category=${cat.ambalaj}&attr.renk=kirmizi&inStock=true&priceMax=100&brand=${brand.kraftpak}`,
      );
      expect(names(page)).toEqual(['Kraft Kutu']);
      expect(page.total).toBe(1);
    });
  });

  describe('bad input', () => {
    async function expectFields(query: string, fields: string[]) {
      const response = await call('GET', `/products${query}`);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((response.json().errors as { field: string }[]).map((e) => e.field).sort()).toEqual(
        fields.sort(),
      );
    }

    it('names unknown query keys', async () => {
      await expectFields('?colour=red&brandd=x', ['colour', 'brandd']);
      await expectFields('?attr=renk&attr.renk.avg=3', ['attr', 'attr.renk.avg']);
    });

    it('names values of the wrong type or form', async () => {
      await expectFields('?limit=0', ['limit']);
      await expectFields('?limit=101', ['limit']);
      await expectFields('?limit=abc', ['limit']);
      await expectFields('?inStock=maybe', ['inStock']);
      await expectFields('?category=kutular', ['category']);
      await expectFields('?brand=1,2', ['brand']);
      await expectFields('?priceMin=-1&priceMax=1e3', ['priceMin', 'priceMax']);
      await expectFields('?priceMin=20&priceMax=10', ['priceMax']);
      await expectFields('?sort=cheapest', ['sort']);
      await expectFields('?status=deleted', ['status']);
      await expectFields('?locale=Turkish', ['locale']);
      await expectFields(`?q=${'a'.repeat(201)}`, ['q']);
      await expectFields('?q=a&q=b', ['q']);
    });

    it('names unknown attributes, options and misused attribute filters', async () => {
      await expectFields('?attr.colour=red', ['attr.colour']);
      await expectFields('?attr.gizli=a', ['attr.gizli']);
      await expectFields('?attr.renk=pembe', ['attr.renk']);
      await expectFields('?attr.renk=', ['attr.renk']);
      await expectFields('?attr.renk.min=3', ['attr.renk.min']);
      await expectFields('?attr.geri_donusumlu=evet', ['attr.geri_donusumlu']);
      await expectFields('?attr.agirlik=ağır&attr.agirlik.max=x', ['attr.agirlik', 'attr.agirlik.max']);
      const many = Array.from({ length: 21 }, (_, i) => `attr.a${i}=1`).join('&');
      await expectFields(`?${many}`, ['attr']);
    });

    it('refuses a cursor it did not issue, or one from another sort order', async () => {
      for (const cursor of [
        'abc',
        'eyJ4IjoxfQ',
        Buffer.from('[1,"newest","x","y",0]').toString('base64url'),
      ]) {
        const response = await call('GET', `/products?cursor=${cursor}`);
        expectProblem(response, 400, 'request.invalid_cursor');
        expect(response.json().errors).toEqual([
          { in: 'querystring', field: 'cursor', message: expect.any(String) },
        ]);
      }
      await expectFields('?brand=x&cursor=abc', ['brand', 'cursor']);
      const first = await list('?limit=2&sort=price');
      expectProblem(
        await call('GET', `/products?limit=2&sort=name&cursor=${first.nextCursor}`),
        400,
        'request.invalid_cursor',
      );
    });

    it('ignores an empty or punctuation-only search', async () => {
      for (const q of ['', '%20%20', '%26%7C!()%3A*']) {
        const page = await list(`?q=${q}`);
        expect(page.total).toBe(6);
        expect(page.searchMode).toBeNull();
      }
    });
  });
});
