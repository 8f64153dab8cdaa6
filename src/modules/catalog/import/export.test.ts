import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../../test/app.js';
import { apiCaller, expectProblem } from '../../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../../test/identity.js';
import { exportColumns, parseOptions } from './columns.js';
import { parseCsv } from './csv.js';
import {
  type Api,
  csvText,
  ean13,
  importCsv,
  importTestApp,
  otherTenantAdmin,
  startWorkers,
} from './import.fixtures.js';

const FORMULA_NAME = "=cmd|' /C calc'!A0";

describe('product CSV export', () => {
  let t: TestApp;
  let admin: SignedIn;
  let other: SignedIn;
  let api: Api;

  /** Brand "ambalajci", categories ambalaj > kutular and kirtasiye; their ids. */
  async function catalogBasics(auth: SignedIn) {
    const call = (method: 'POST', url: string, payload: object) => api(method, url, { auth, payload });
    const brand = await call('POST', '/brands', { name: 'Ambalajcı', slug: 'ambalajci' });
    const ambalaj = await call('POST', '/categories', {
      translations: { tr: { name: 'Ambalaj', slug: 'ambalaj' } },
    });
    const kutular = await call('POST', '/categories', {
      parentId: (ambalaj.json() as { id: string }).id,
      translations: { tr: { name: 'Kutular', slug: 'kutular' }, en: { name: 'Boxes', slug: 'boxes' } },
    });
    const kirtasiye = await call('POST', '/categories', {
      translations: { tr: { name: 'Kırtasiye', slug: 'kirtasiye' } },
    });
    for (const response of [brand, ambalaj, kutular, kirtasiye])
      expect(response.statusCode, response.body).toBe(201);
    const id = (response: typeof brand) => (response.json() as { id: string }).id;
    return { brandId: id(brand), kutularId: id(kutular), kirtasiyeId: id(kirtasiye) };
  }

  beforeAll(async () => {
    t = await importTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    api = apiCaller(
      () => t.app,
      () => admin,
    );
    await startWorkers(t);
    const { brandId, kutularId, kirtasiyeId } = await catalogBasics(admin);
    const create = async (body: object) => {
      const response = await api('POST', '/products', { payload: body });
      expect(response.statusCode, response.body).toBe(201);
      return (response.json() as { id: string }).id;
    };
    await create({
      externalId: 'KUTU-1',
      status: 'active',
      brandId,
      categoryIds: [kutularId],
      taxRate: '10',
      unit: 'koli',
      minOrderQuantity: '2',
      orderMultiple: '2',
      translations: {
        tr: {
          name: 'Kraft Kutu Ölçülü',
          slug: 'kraft-kutu',
          description: 'Satır 1\nSatır 2, "tırnaklı"; noktalı',
        },
        en: { name: 'Kraft Box', slug: 'kraft-box' },
      },
      variants: [
        {
          sku: 'KK-1',
          basePrice: '12.5',
          barcode: ean13('869123450101'),
          optionValues: { boyut: 'S', not: 'a|b=c' },
          weightGrams: 250,
          lengthMm: 300,
          stockQuantity: '7.5',
        },
        { sku: 'KK-2', basePrice: '1234.5678', currency: 'EUR', status: 'inactive' },
      ],
    });
    // No external id: the export keys it by its own id.
    await create({
      status: 'draft',
      categoryIds: [kirtasiyeId],
      translations: { tr: { name: FORMULA_NAME, description: '+90 555 000 00 00 @SUM(1+1) -5' } },
      variants: [{ sku: 'F-1', basePrice: '1' }],
    });
    const deleted = await create({
      externalId: 'SIL-1',
      translations: { tr: { name: 'Silinen' } },
      variants: [{ sku: 'S-1', basePrice: '1' }],
    });
    expect((await api('DELETE', `/products/${deleted}`)).statusCode).toBe(204);
  });
  afterAll(() => t?.close());

  const download = async (query = '', auth: SignedIn = admin) => {
    const response = await api('GET', `/products/export${query}`, { auth });
    expect(response.statusCode, response.body).toBe(200);
    return response;
  };
  /** Rows as maps of column → cell, read as the import reads them. */
  const rowsOf = (text: string) => {
    const [header, ...rows] = parseCsv(text).records;
    return rows.map((r) => Object.fromEntries(header!.cells.map((c, i) => [c, r.cells[i] ?? ''])));
  };

  it('streams every live product and variant as a UTF-8 CSV download in the import format', async () => {
    const response = await download();
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="products-${new Date().toISOString().slice(0, 10)}.csv"`,
    );
    expect(response.body.startsWith('\uFEFF')).toBe(true);
    const [header] = parseCsv(response.body).records;
    expect(header!.cells).toEqual(exportColumns(['tr', 'en']));

    const rows = rowsOf(response.body);
    expect(rows.map((r) => r['sku'])).toEqual(['KK-1', 'KK-2', 'F-1']);
    const [kk1, kk2, f1] = rows;
    expect(kk1).toMatchObject({
      product_external_id: 'KUTU-1',
      status: 'active',
      name_tr: 'Kraft Kutu Ölçülü',
      name_en: 'Kraft Box',
      slug_tr: 'kraft-kutu',
      slug_en: 'kraft-box',
      description_tr: 'Satır 1\nSatır 2, "tırnaklı"; noktalı',
      description_en: '',
      brand: 'ambalajci',
      categories: 'kutular',
      unit: 'koli',
      tax_rate: '10',
      min_order_quantity: '2',
      order_multiple: '2',
      barcode: ean13('869123450101'),
      base_price: '12.50',
      currency: 'TRY',
      stock_quantity: '7.5',
      weight_grams: '250',
      length_mm: '300',
      width_mm: '',
      variant_status: 'active',
    });
    expect(parseOptions(kk1!['options']!)).toEqual({ options: { boyut: 'S', not: 'a|b=c' } });
    expect(kk2).toMatchObject({
      product_external_id: 'KUTU-1',
      name_tr: 'Kraft Kutu Ölçülü',
      base_price: '1234.5678',
      currency: 'EUR',
      variant_status: 'inactive',
      options: '',
    });
    const formulaProduct = await t.ownerQuery<{ id: string }>(
      `SELECT product_id AS id FROM product_variants WHERE sku = 'F-1'`,
    );
    expect(f1).toMatchObject({
      product_external_id: formulaProduct[0]!.id,
      status: 'draft',
      categories: 'kirtasiye',
      brand: '',
    });
    expect(response.body).not.toContain('SIL-1');
  });

  it('escapes cells a spreadsheet would run as formulas', async () => {
    const { body } = await download();
    const raw = parseCsv(body).records.flatMap((r) => r.cells);
    expect(raw).toContain(`'${FORMULA_NAME}`);
    expect(raw).toContain("'+90 555 000 00 00 @SUM(1+1) -5");
    expect(raw.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  });

  it('filters by status and by category (with the categories below it), and writes semicolons on request', async () => {
    const skus = async (query: string) => rowsOf((await download(query)).body).map((r) => r['sku']);
    expect(await skus('?status=draft')).toEqual(['F-1']);
    expect(await skus('?status=archived')).toEqual([]);
    expect(await skus('?category=ambalaj')).toEqual(['KK-1', 'KK-2']);
    expect(await skus('?category=boxes')).toEqual(['KK-1', 'KK-2']);
    expect(await skus('?category=kirtasiye&status=draft')).toEqual(['F-1']);
    const semicolons = (await download('?delimiter=semicolon')).body;
    expect(semicolons.slice(1, semicolons.indexOf('\r\n'))).toBe(exportColumns(['tr', 'en']).join(';'));
    expect(parseCsv(semicolons).records).toHaveLength(4);
    expectProblem(await api('GET', '/products/export?category=yok'), 404, 'catalog.category_not_found');
    expectProblem(await api('GET', '/products/export?status=silinmis'), 400, 'request.validation_failed');
    expectProblem(await api('GET', '/products/export?delimiter=pipe'), 400, 'request.validation_failed');
  });

  it('needs products.view: customers get 403, guests 401, a sales manager may download', async () => {
    await makeUser(t, {
      email: 'musteri@disari.test',
      password: 'Indirme-Yok-2024!',
      kind: 'customer',
      roles: ['dealer_owner'],
    });
    await makeUser(t, {
      email: 'satis@disari.test',
      password: 'Liste-Indiren-88!',
      roles: ['sales_manager'],
    });
    const customer = await signIn(t.app, 'musteri@disari.test', 'Indirme-Yok-2024!');
    const sales = await signIn(t.app, 'satis@disari.test', 'Liste-Indiren-88!');
    expectProblem(await api('GET', '/products/export', { auth: customer }), 403, 'auth.forbidden');
    expectProblem(await api('GET', '/products/export', { auth: null }), 401, 'auth.unauthenticated');
    expect(rowsOf((await download('', sales)).body)).toHaveLength(3);
  });

  it('imports its own export without changing anything', async () => {
    const before = (await download()).body;
    const result = await importCsv(t, api, admin, before);
    expect(result).toMatchObject({
      status: 'completed',
      totalRows: 3,
      createdCount: 0,
      updatedCount: 0,
      errorCount: 0,
    });
    expect((await download()).body).toBe(before);
    const names = await t.ownerQuery<{ name: string }>(
      `SELECT name FROM product_translations WHERE name = $1`,
      [FORMULA_NAME],
    );
    expect(names).toHaveLength(1);
  });

  it('recreates the same catalog in another tenant from the export', async () => {
    other = await otherTenantAdmin(t, 'ikinci-magaza');
    await catalogBasics(other);
    const exported = (await download()).body;
    const result = await importCsv(t, api, other, exported);
    expect(result).toMatchObject({ status: 'completed', createdCount: 2, updatedCount: 0, errorCount: 0 });
    expect((await download('', other)).body).toBe(exported);
  });

  it('reads large catalogs batch by batch without losing or repeating a product', async () => {
    const many = csvText([
      ['product_external_id', 'name_tr', 'sku', 'base_price'],
      ...Array.from({ length: 230 }, (_, i) => [`TOPLU-${i}`, `Toplu Ürün ${i}`, `TP-${i}`, `${i}.25`]),
    ]);
    expect(await importCsv(t, api, admin, many)).toMatchObject({
      status: 'completed',
      createdCount: 230,
      errorCount: 0,
    });
    const rows = rowsOf((await download()).body);
    expect(rows).toHaveLength(233);
    expect(new Set(rows.map((r) => r['sku'])).size).toBe(233);
    expect(rows.filter((r) => r['product_external_id']!.startsWith('TOPLU-'))).toHaveLength(230);
  }, 120_000);
});
