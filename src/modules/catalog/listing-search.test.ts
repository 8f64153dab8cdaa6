import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { apiCaller } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import { createTenant } from '../tenancy/index.js';
import { CatalogFixtures } from './listing.fixtures.js';
import type { ProductSearchResult } from './search/engine.js';

describe('GET /products?q=: Turkish-aware search', () => {
  let t: TestApp;
  let admin: SignedIn;
  let f: CatalogFixtures;
  const ids = {} as Record<
    'canta' | 'kutu' | 'karton' | 'defter' | 'hediye' | 'kalem' | 'kol' | 'taslak' | 'isik' | 'bardak',
    string
  >;

  const call = apiCaller(
    () => t.app,
    () => null,
  );
  async function search(q: string, extra = '', auth: SignedIn | null = null): Promise<ProductSearchResult> {
    const response = await call('GET', `/products?q=${encodeURIComponent(q)}${extra}`, { auth });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as ProductSearchResult;
  }
  const found = async (q: string, extra = '') => (await search(q, extra)).items.map((item) => item.id);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    f = new CatalogFixtures(t.runtime, await t.tenantId('demo'));
    const kraftpak = await f.brand('Kraftpak Ambalaj');
    ids.canta = await f.product({
      name: 'Çanta',
      description: 'Bez alışveriş çantası',
      variants: [{ sku: 'CNT-01', price: '5' }],
    });
    ids.kutu = await f.product({
      name: 'Kraft Kutu',
      brandId: kraftpak.id,
      variants: [
        { sku: 'KRF-1040-B', barcode: '8690000000011', price: '10' },
        { sku: 'KRF-2080-B', price: '12' },
      ],
    });
    ids.karton = await f.product({ name: 'Karton Kutular', variants: [{ sku: 'KRT-500', price: '8' }] });
    ids.defter = await f.product({ name: 'İSTANBUL Defteri', variants: [{ sku: 'DFT-34', price: '15' }] });
    // "kraft" only in its description.
    ids.hediye = await f.product({
      name: 'Hediye Paketi',
      description: 'Kraft kağıda sarılı, kurdeleli hediye paketi',
      variants: [{ sku: 'HDY-7', price: '20' }],
    });
    ids.kalem = await f.product({ name: 'Tükenmez Kalem', variants: [{ sku: 'KLM-1', price: '2' }] });
    ids.kol = await f.product({ name: 'Kol Saati', variants: [{ sku: 'SAA-1', price: '300' }] });
    ids.isik = await f.product({ name: 'Işıklı Ayna', variants: [{ sku: 'AYN-1', price: '150' }] });
    ids.bardak = await f.product({
      name: { tr: 'Karton Bardak', en: 'Paper Cup' },
      variants: [{ sku: 'BRD-1', price: '1' }],
    });
    ids.taslak = await f.product({
      name: 'Taslak Çanta',
      status: 'draft',
      variants: [{ sku: 'TSL-1', price: '1' }],
    });
  });
  afterAll(() => t?.close());

  it('finds "Çanta" however the letters are typed', async () => {
    for (const q of ['Çanta', 'ÇANTA', 'çanta', 'canta', 'CANTA', 'çan']) {
      expect(await found(q), q).toEqual([ids.canta]);
    }
  });

  it('matches inflected words: "kutular" finds "Kutu", "kutu" finds "Kutular"', async () => {
    expect((await found('kutular')).sort()).toEqual([ids.kutu, ids.karton].sort());
    expect((await found('kutu')).sort()).toEqual([ids.kutu, ids.karton].sort());
    expect(await found('çantalar')).toEqual([ids.canta]);
  });

  it('folds the dotted and dotless I: "İstanbul" and "istanbul" match "İSTANBUL"; "ışık" matches "Işıklı"', async () => {
    for (const q of ['İstanbul', 'istanbul', 'ISTANBUL', 'İSTANBUL', "İstanbul'da", 'istanbul defter']) {
      expect(await found(q), q).toEqual([ids.defter]);
    }
    for (const q of ['ışık', 'IŞIK', 'isik', 'Işıklı']) expect(await found(q), q).toEqual([ids.isik]);
  });

  it('finds products by SKU, SKU fragment, barcode and brand', async () => {
    for (const q of [
      'KRF-1040-B',
      'krf-1040-b',
      'KRF-10',
      'KRF',
      '1040',
      '2080-B',
      '8690000000011',
      '86900000',
    ]) {
      expect(await found(q), q).toEqual([ids.kutu]);
    }
    expect(await found('kraftpak')).toEqual([ids.kutu]);
  });

  it('requires every word, in any field', async () => {
    expect(await found('kraft kutu')).toEqual([ids.kutu]);
    expect(await found('karton bardak')).toEqual([ids.bardak]);
    expect(await found('kraft kağıda')).toEqual([ids.hediye]);
    const none = await search('kraft çanta');
    expect(none.items).toEqual([]);
    expect(none.total).toBe(0);
    expect(none.searchMode).toBe('exact');
  });

  it('still finds a product when a word is mistyped, and says so', async () => {
    for (const [q, id] of [
      ['kraft kuti', ids.kutu],
      ['cnata', ids.canta],
      ['kartno kutular', ids.karton],
      ['istnbul', ids.defter],
      ['tükenmze', ids.kalem],
    ] as const) {
      const page = await search(q);
      expect(
        page.items.map((item) => item.id),
        q,
      ).toContain(id);
      expect(page.searchMode, q).toBe('approximate');
    }
    // Codes and short words are not guessed at.
    expect((await search('KRF-1041-B')).items.map((i) => i.id)).not.toContain(ids.kutu);
    expect((await search('kok')).items).toEqual([]);
  });

  it('does not mix near spellings into results for words that match as typed', async () => {
    const page = await search('kol');
    expect(page.items.map((item) => item.id)).toEqual([ids.kol]);
    expect(page.searchMode).toBe('exact');
  });

  it('ranks a name match above a description-only match', async () => {
    const page = await search('kraft');
    expect(page.items.map((item) => item.id)).toEqual([ids.kutu, ids.hediye]);
    const byName = await search('hediye paketi');
    expect(byName.items.map((item) => item.id)).toEqual([ids.hediye]);
  });

  it('searches other locales’ names too, and shows the requested one', async () => {
    const page = await search('paper cup', '&locale=en');
    expect(page.items.map((item) => [item.id, item.name])).toEqual([[ids.bardak, 'Paper Cup']]);
  });

  it('shows drafts to staff only', async () => {
    expect(await found('taslak')).toEqual([]);
    const staff = await search('taslak', '', admin);
    expect(staff.items.map((item) => item.id)).toEqual([ids.taslak]);
    expect((await search('çanta', '', admin)).items.map((item) => item.id).sort()).toEqual(
      [ids.canta, ids.taslak].sort(),
    );
  });

  it('combines search with filters and other sort orders', async () => {
    expect(await found('kutu', '&sort=price')).toEqual([ids.karton, ids.kutu]);
    expect(await found('kutu', '&sort=-price')).toEqual([ids.kutu, ids.karton]);
    expect(await found('kutu', '&priceMax=9')).toEqual([ids.karton]);
  });

  it('treats tsquery operators, quotes and SQL as plain text, never failing', async () => {
    for (const q of [
      "kutu' OR '1'='1",
      'kutu & !kraft',
      'kutu | (kraft)',
      'kutu:*',
      'kraft:A',
      "'); DROP TABLE products; --",
      '\\\\x00 \\',
      '<-> <2> !!',
      'a'.repeat(200),
      '🙂 çanta 🙂',
      'ç̧anta',
      '-- -',
    ]) {
      const response = await call('GET', `/products?q=${encodeURIComponent(q)}`);
      expect(response.statusCode, `${q}: ${response.body}`).toBe(200);
    }
    expect(await found("kutu' OR '1'='1")).toEqual([]);
    expect(await found('🙂 çanta 🙂')).toEqual([ids.canta]);
    const [row] = await t.ownerQuery<{ n: string }>('SELECT count(*) AS n FROM products');
    expect(Number(row!.n)).toBe(10);
  });

  it('survives random input', async () => {
    // NUL is refused for the whole API before the listing sees it (kernel/http/invalid-characters.ts).
    const alphabet = 'abcçğıiİöşüKRF-_./\\:*&|!()<>\'"% 0123456789@#$^~`{}[];,?+=\u0001\u200b';
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 150; i++) {
      const length = 1 + Math.floor(random() * 40);
      const q = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const response = await call('GET', `/products?q=${encodeURIComponent(q)}&sort=relevance`);
      expect(response.statusCode, `${JSON.stringify(q)}: ${response.body}`).toBe(200);
    }
  });

  it('never finds another tenant’s products, and nothing at all without a tenant', async () => {
    const other = await withTx(systemContext(t.runtime, null), (tx) =>
      createTenant(tx, { slug: 'baska-kiraci', name: 'Başka' }),
    );
    const foreign = await new CatalogFixtures(t.runtime, other.id).product({
      name: 'Çanta Başka',
      variants: [{ sku: 'CNT-99', price: '5' }],
    });
    expect(await found('çanta')).toEqual([ids.canta]);
    expect(await found('CNT')).toEqual([ids.canta]);
    // The definer function behind word search, called as the application role.
    const matching = (tenantId: string | null) =>
      withTx(systemContext(t.runtime, tenantId), async (tx) => {
        const { rows } = await tx.client.query<{ id: string }>(
          `SELECT carsi_products_matching(to_tsquery('carsi_simple', 'canta:*'), '%cnt%') AS id`,
        );
        return [...new Set(rows.map((r) => r.id))];
      });
    expect(await matching(other.id)).toEqual([foreign]);
    expect((await matching(await t.tenantId('demo'))).sort()).toEqual([ids.canta, ids.taslak].sort());
    expect(await matching(null)).toEqual([]);
  });
});
