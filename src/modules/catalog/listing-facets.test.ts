import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { apiCaller } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';
import { CatalogFixtures } from './listing.fixtures.js';
import type { ProductFacets, ProductSearchResult } from './search/engine.js';

describe('GET /products: facet counts', () => {
  let t: TestApp;
  let admin: SignedIn;
  const brand = {} as Record<'a' | 'b' | 'c', string>;
  let category: string;

  const call = apiCaller(
    () => t.app,
    () => null,
  );
  async function list(query: string, auth: SignedIn | null = null): Promise<ProductSearchResult> {
    const response = await call('GET', `/products${query}`, { auth });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as ProductSearchResult;
  }
  async function facets(
    query: string,
    auth: SignedIn | null = null,
  ): Promise<ProductFacets & { total: number }> {
    const page = await list(query, auth);
    return { ...page.facets!, total: page.total! };
  }
  const brandCounts = (f: ProductFacets) => Object.fromEntries(f.brands.map((b) => [b.name, b.count]));
  const valueCounts = (f: ProductFacets, code: string) =>
    Object.fromEntries(
      f.attributes.find((a) => a.code === code)?.values.map((v) => [v.value, v.count]) ?? [],
    );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    const f = new CatalogFixtures(t.runtime, await t.tenantId('demo'));
    brand.a = (await f.brand('Anadolu')).id;
    brand.b = (await f.brand('Boğaziçi')).id;
    brand.c = (await f.brand('Çukurova')).id;
    await f.brand('Unused Brand');
    category = await f.category('Hepsi');
    await f.attribute({
      code: 'renk',
      type: 'enum',
      names: { tr: 'Renk', en: 'Colour' },
      options: [
        { code: 'kirmizi', labels: { tr: 'Kırmızı', en: 'Red' } },
        { code: 'mavi', labels: { tr: 'Mavi', en: 'Blue' } },
        { code: 'mor', labels: { tr: 'Mor' } },
      ],
    });
    await f.attribute({
      code: 'boyut',
      type: 'multi_enum',
      names: { tr: 'Boyut' },
      options: ['s', 'm', 'l'],
    });
    await f.attribute({ code: 'agirlik', type: 'number', names: { tr: 'Ağırlık' }, unit: 'g' });
    await f.attribute({ code: 'geri_donusumlu', type: 'boolean', names: { tr: 'Geri dönüşümlü' } });
    await f.attribute({ code: 'not', type: 'text', filterable: true });
    const product = (
      name: string,
      brandId: string | null,
      price: string,
      attributes: Record<string, string | string[] | number | boolean>,
      status: 'active' | 'draft' = 'active',
    ) => f.product({ name, brandId, status, categoryIds: [category], variants: [{ price }], attributes });
    await product('P1', brand.a, '10.00', {
      renk: 'kirmizi',
      boyut: ['s'],
      agirlik: 100,
      geri_donusumlu: true,
    });
    await product('P2', brand.a, '20.00', {
      renk: 'mavi',
      boyut: ['s', 'm'],
      agirlik: 200,
      geri_donusumlu: false,
    });
    await product('P3', brand.b, '30.00', {
      renk: 'kirmizi',
      boyut: ['m'],
      agirlik: 300,
      geri_donusumlu: true,
    });
    await product('P4', brand.b, '40.00', { renk: 'mavi', boyut: ['l'], not: 'serbest metin' });
    await product('P5', brand.c, '50.00', { renk: 'kirmizi', boyut: ['s', 'l'] });
    await product('P6', null, '60.00', { renk: 'mavi' });
    await product('P7', brand.a, '70.00', { renk: 'kirmizi', boyut: ['l'] }, 'draft');
  });
  afterAll(() => t?.close());

  it('counts brands, attribute values, numbers, booleans and prices of the visible products', async () => {
    const all = await facets('');
    expect(all.total).toBe(6);
    expect(all.brands).toEqual([
      { id: brand.a, name: 'Anadolu', slug: 'anadolu', count: 2 },
      { id: brand.b, name: 'Boğaziçi', slug: 'bogazici', count: 2 },
      { id: brand.c, name: 'Çukurova', slug: 'cukurova', count: 1 },
    ]);
    expect(all.attributes).toEqual([
      {
        code: 'renk',
        name: 'Renk',
        type: 'enum',
        unit: null,
        values: [
          { value: 'kirmizi', label: 'Kırmızı', count: 3 },
          { value: 'mavi', label: 'Mavi', count: 3 },
        ],
        range: null,
      },
      {
        code: 'boyut',
        name: 'Boyut',
        type: 'multi_enum',
        unit: null,
        values: [
          { value: 's', label: 's', count: 3 },
          { value: 'm', label: 'm', count: 2 },
          { value: 'l', label: 'l', count: 2 },
        ],
        range: null,
      },
      {
        code: 'agirlik',
        name: 'Ağırlık',
        type: 'number',
        unit: 'g',
        values: [],
        range: { min: '100', max: '300', count: 3 },
      },
      {
        code: 'geri_donusumlu',
        name: 'Geri dönüşümlü',
        type: 'boolean',
        unit: null,
        values: [
          { value: 'true', label: null, count: 2 },
          { value: 'false', label: null, count: 1 },
        ],
        range: null,
      },
    ]);
    expect(all.price).toEqual({
      min: '10.00',
      max: '60.00',
      buckets: [
        { min: null, max: '20.00', count: 2 },
        { min: '20.00', max: '30.00', count: 2 },
        { min: '30.00', max: '40.00', count: 2 },
        { min: '40.00', max: '50.00', count: 2 },
        { min: '50.00', max: null, count: 2 },
      ],
    });
  });

  it('names attributes and options in the requested language', async () => {
    const english = await facets('?locale=en');
    const renk = english.attributes.find((a) => a.code === 'renk')!;
    expect(renk.name).toBe('Colour');
    expect(renk.values.map((v) => v.label)).toEqual(['Red', 'Blue']);
    expect(english.attributes.find((a) => a.code === 'boyut')!.name).toBe('Boyut');
  });

  it('applies every other filter to a facet, but not its own', async () => {
    const byBrand = await facets(`?brand=${brand.a}`);
    expect(byBrand.total).toBe(2);
    expect(brandCounts(byBrand)).toEqual({ Anadolu: 2, Boğaziçi: 2, Çukurova: 1 });
    expect(valueCounts(byBrand, 'renk')).toEqual({ kirmizi: 1, mavi: 1 });
    expect(valueCounts(byBrand, 'boyut')).toEqual({ s: 2, m: 1 });
    expect(byBrand.price).toMatchObject({ min: '10.00', max: '20.00' });

    const both = await facets(`?brand=${brand.a}&attr.renk=kirmizi`);
    expect(both.total).toBe(1);
    expect(brandCounts(both)).toEqual({ Anadolu: 1, Boğaziçi: 1, Çukurova: 1 });
    expect(valueCounts(both, 'renk')).toEqual({ kirmizi: 1, mavi: 1 });
    expect(valueCounts(both, 'boyut')).toEqual({ s: 1 });
    expect(both.price).toEqual({ min: '10.00', max: '10.00', buckets: [] });

    const sizes = await facets('?attr.boyut=s,l');
    expect(sizes.total).toBe(4);
    expect(valueCounts(sizes, 'boyut')).toEqual({ s: 3, m: 2, l: 2 });
    expect(valueCounts(sizes, 'renk')).toEqual({ kirmizi: 2, mavi: 2 });
    expect(brandCounts(sizes)).toEqual({ Anadolu: 2, Boğaziçi: 1, Çukurova: 1 });

    const priced = await facets('?priceMin=30');
    expect(priced.total).toBe(4);
    expect(brandCounts(priced)).toEqual({ Boğaziçi: 2, Çukurova: 1 });
    expect(priced.price.buckets).toHaveLength(5);
    expect(priced.price).toMatchObject({ min: '10.00', max: '60.00' });

    const heavy = await facets('?attr.agirlik.min=150&attr.geri_donusumlu=true');
    expect(heavy.total).toBe(1);
    expect(heavy.attributes.find((a) => a.code === 'agirlik')!.range).toEqual({
      min: '100',
      max: '300',
      count: 2,
    });
    expect(valueCounts(heavy, 'geri_donusumlu')).toEqual({ true: 1, false: 1 });
  });

  it('keeps chosen values listed with a zero count', async () => {
    const none = await facets(`?brand=${brand.c}&attr.renk=mavi`);
    expect(none.total).toBe(0);
    expect(brandCounts(none)).toEqual({ Anadolu: 1, Boğaziçi: 1, Çukurova: 0 });
    expect(valueCounts(none, 'renk')).toEqual({ kirmizi: 1, mavi: 0 });
    const chosenEmpty = await facets('?attr.renk=mor');
    expect(valueCounts(chosenEmpty, 'renk')).toEqual({ kirmizi: 3, mavi: 3, mor: 0 });
  });

  it('gives price buckets whose counts are what filtering by them returns', async () => {
    for (const query of ['', `?brand=${brand.a},${brand.b}`, '?attr.renk=kirmizi']) {
      const { price } = await facets(query);
      for (const bucket of price.buckets) {
        const range = [
          ...(bucket.min ? [`priceMin=${bucket.min}`] : []),
          ...(bucket.max ? [`priceMax=${bucket.max}`] : []),
        ].join('&');
        const filtered = await list(`${query}${query ? '&' : '?'}${range}`);
        expect(filtered.total, `${query} ${range}`).toBe(bucket.count);
      }
    }
  });

  it('counts within a category, a search and for staff (drafts included)', async () => {
    expect((await facets(`?category=${category}`)).total).toBe(6);
    const searched = await facets('?q=P3');
    expect(searched.total).toBe(1);
    expect(brandCounts(searched)).toEqual({ Boğaziçi: 1 });
    const staff = await facets('', admin);
    expect(staff.total).toBe(7);
    expect(brandCounts(staff)).toEqual({ Anadolu: 3, Boğaziçi: 2, Çukurova: 1 });
  });

  it('skips facets on later pages unless asked, and on request', async () => {
    const first = await list('?limit=2');
    expect(first.facets).not.toBeNull();
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.facets).toBeNull();
    expect(second.total).toBeNull();
    expect((await list(`?limit=2&facets=true&cursor=${first.nextCursor}`)).total).toBe(6);
    expect((await list('?facets=false')).facets).toBeNull();
  });
});
