import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { apiCaller } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';
import { CatalogFixtures } from './listing.fixtures.js';
import type { ProductSearchResult } from './search/engine.js';

interface Made {
  id: string;
  name: string;
  price: string | null;
}

describe('GET /products: sort orders and keyset pages', () => {
  let t: TestApp;
  let admin: SignedIn;
  let f: CatalogFixtures;
  const made: Made[] = [];
  /** Newest first, as the database orders creation times (to the microsecond), ties by id. */
  let newest: string[] = [];

  const call = apiCaller(
    () => t.app,
    () => null,
  );
  async function list(query: string, auth: SignedIn | null = null): Promise<ProductSearchResult> {
    const response = await call('GET', `/products${query}`, { auth });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as ProductSearchResult;
  }

  /** Follows nextCursor to the end, `limit` at a time; every page's ids in order. */
  async function pages(
    query: string,
    limit: number,
    auth: SignedIn | null = null,
    from: string | null = null,
  ): Promise<string[][]> {
    const all: string[][] = [];
    let cursor = from;
    do {
      const page: ProductSearchResult = await list(
        `?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        auth,
      );
      all.push(page.items.map((item) => item.id));
      cursor = page.nextCursor;
      expect(all.length).toBeLessThan(50);
    } while (cursor);
    return all;
  }

  // Ties on purpose: names, prices and creation times repeat, some products have no price.
  const NAMES = [
    'Kutu',
    'Bant',
    'Çanta',
    'kutu',
    'Zarf',
    'Ambalaj',
    'Defter',
    'İp',
    'Kutu',
    'Şişe',
    'Bant',
    'Etiket',
  ];
  const PRICES = [
    '10.00',
    '5.50',
    '10.00',
    null,
    '100.00',
    '5.50',
    '0.99',
    '10.00',
    '99.99',
    null,
    '10.00',
    '5.50',
  ];

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    f = new CatalogFixtures(t.runtime, await t.tenantId('demo'));
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 24; i++) {
      const name = `${NAMES[i % NAMES.length]} ${i < 12 ? '' : 'Karton'}`.trim();
      const price = PRICES[i % PRICES.length] ?? null;
      // The first half share creation times in pairs; the rest get the database's clock (microseconds).
      const createdAt = i < 12 ? new Date(base + (i - (i % 2)) * 60_000) : undefined;
      const id = await f.product({
        name,
        ...(i % 4 === 0 ? { description: 'kutu içinde' } : {}),
        ...(createdAt ? { createdAt } : {}),
        variants: [price ? { price } : { price: '1.00', status: 'inactive' }],
      });
      made.push({ id, name, price });
    }
    newest = (
      await t.ownerQuery<{ id: string }>('SELECT id FROM products ORDER BY created_at DESC, id DESC')
    ).map((row) => row.id);
  });
  afterAll(() => t?.close());

  const byId = (a: Made, b: Made, direction = 1) => (a.id < b.id ? -direction : a.id > b.id ? direction : 0);
  const folded = (name: string) =>
    name
      .toLocaleLowerCase('tr')
      .replace(/[çğıöşü]/g, (c) => ({ ç: 'c', ğ: 'g', ı: 'i', ö: 'o', ş: 's', ü: 'u' })[c] ?? c);
  const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

  const expected: Record<string, (a: Made, b: Made) => number> = {
    newest: (a, b) => newest.indexOf(a.id) - newest.indexOf(b.id),
    name: (a, b) => byBytes(folded(a.name), folded(b.name)) || byId(a, b),
    '-name': (a, b) => byBytes(folded(b.name), folded(a.name)) || byId(a, b, -1),
    price: (a, b) =>
      a.price === b.price
        ? byId(a, b)
        : a.price === null
          ? 1
          : b.price === null
            ? -1
            : Number(a.price) - Number(b.price) || byId(a, b),
    '-price': (a, b) =>
      a.price === b.price
        ? byId(a, b, -1)
        : a.price === null
          ? 1
          : b.price === null
            ? -1
            : Number(b.price) - Number(a.price) || byId(a, b, -1),
  };

  for (const sort of ['newest', 'name', '-name', 'price', '-price']) {
    it(`pages through sort=${sort} in order, without gaps or repeats`, async () => {
      const want = [...made].sort(expected[sort]).map((m) => m.id);
      for (const limit of [1, 5, 7, 24, 100]) {
        const got = await pages(`sort=${sort}`, limit);
        expect(got.flat(), `limit ${limit}`).toEqual(want);
        expect(got.every((page, i) => page.length === limit || i === got.length - 1)).toBe(true);
      }
    });
  }

  it('sorts by name with Turkish letters among their base letters', async () => {
    const names = (await list('?sort=name&limit=100')).items.map((item) => item.name);
    expect(names.indexOf('Çanta')).toBeGreaterThan(names.lastIndexOf('Bant Karton'));
    expect(names.indexOf('Çanta')).toBeLessThan(names.indexOf('Defter'));
    expect(names.indexOf('İp')).toBeGreaterThan(names.indexOf('Etiket'));
    expect(names.indexOf('Şişe')).toBeLessThan(names.indexOf('Zarf'));
  });

  it('pages by relevance without gaps or repeats, best matches first', async () => {
    const single = (await list('?q=kutu&limit=100')).items.map((item) => item.id);
    const matching = made.filter((m, i) => /kutu/i.test(m.name) || i % 4 === 0).map((m) => m.id);
    expect([...single].sort()).toEqual([...matching].sort());
    // Name matches (weight A) before description-only ones.
    const nameMatches = made.filter((m) => /kutu/i.test(m.name)).map((m) => m.id);
    expect(new Set(single.slice(0, nameMatches.length))).toEqual(new Set(nameMatches));
    for (const limit of [1, 2, 3]) {
      expect((await pages('q=kutu', limit)).flat(), `limit ${limit}`).toEqual(single);
    }
  });

  it('keeps its place when products are added between pages (staff, never cached)', async () => {
    const first = await list('?sort=newest&limit=5', admin);
    const later = await f.product({ name: 'Yeni Ürün', createdAt: new Date(Date.UTC(2027, 0, 1)) });
    const rest = (await pages('sort=newest', 5, admin, first.nextCursor)).flat();
    const seen = [...first.items.map((item) => item.id), ...rest];
    expect(seen).not.toContain(later);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(24);
    expect((await list('?sort=newest&limit=1', admin)).items[0]!.id).toBe(later);
  });
});
