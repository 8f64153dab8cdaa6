import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../../test/app.js';
import { apiCaller, expectProblem } from '../../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../../test/identity.js';
import { multipartBody, sampleImage } from '../../files/fixtures.js';
import {
  type Api,
  badEan13,
  csvText,
  ean13,
  type ImportBody,
  importCsv,
  importTestApp,
  otherTenantAdmin,
  startWorkers,
  uploadCsv,
  waitForImport,
} from './import.fixtures.js';

interface ProductBody {
  id: string;
  status: string;
  name: string;
  slug: string;
  description: string | null;
  translations: Record<string, { name: string; slug: string; description: string | null }>;
  brand: { slug: string } | null;
  categories: { slug: string }[];
  taxRate: string;
  unit: string;
  minOrderQuantity: string;
  orderMultiple: string;
  externalId: string | null;
  variants: {
    sku: string;
    barcode: string | null;
    optionValues: Record<string, string>;
    basePrice: string;
    currency: string;
    stockQuantity?: string;
    weightGrams: number | null;
    status: string;
  }[];
}

const HEADER = [
  'product_external_id',
  'status',
  'name_tr',
  'name_en',
  'description_tr',
  'slug_tr',
  'brand',
  'categories',
  'unit',
  'tax_rate',
  'min_order_quantity',
  'order_multiple',
  'sku',
  'barcode',
  'options',
  'base_price',
  'currency',
  'stock_quantity',
  'weight_grams',
  'variant_status',
];

const BARCODE_S = ean13('869123450001');
const BARCODE_L = ean13('869123450002');

/** Three products, the first with two variants; header names in mixed case. */
function catalogCsv(overrides: { kkSPrice?: string; etiketName?: string; extraRows?: string[][] } = {}) {
  return csvText([
    HEADER.map((h, i) => (i % 2 === 0 ? h.toUpperCase() : h)),
    [
      'KUTU-1',
      'active',
      'Kraft Kutu Ölçülü',
      'Kraft Box',
      '"Dayanıklı, geri dönüştürülmüş karton; ""A"" kalite"',
      'kraft-kutu',
      'ambalajci',
      'kutular|kargo',
      'adet',
      '20',
      '10',
      '5',
      'KK-S',
      BARCODE_S,
      'boyut=S|renk=Kahverengi',
      overrides.kkSPrice ?? '12.50',
      'TRY',
      '100',
      '250',
      'active',
    ],
    [
      'KUTU-1',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      'KK-L',
      BARCODE_L,
      'boyut=L|renk=Kahverengi',
      '18.75',
      'try',
      '40',
      '400',
      '',
    ],
    [
      'BANT-1',
      'draft',
      'Koli Bandı Şeffaf',
      '',
      '',
      '',
      '',
      'kargo',
      'adet',
      '20',
      '',
      '',
      'KB-45',
      '',
      '',
      '34',
      '',
      '',
      '',
      '',
    ],
    [
      'ETIKET-1',
      'ACTIVE',
      overrides.etiketName ?? 'İğne Etiket Çıkartma',
      '',
      '',
      '',
      '',
      '',
      'paket',
      '10',
      '',
      '',
      'ET-1',
      '',
      '',
      '0.5',
      'EUR',
      '3.5',
      '',
      'inactive',
    ],
    ...(overrides.extraRows ?? []),
  ]);
}

describe('product CSV import', () => {
  let t: TestApp;
  let admin: SignedIn;
  let api: Api;
  let firstImport: ImportBody;
  let firstRequestId: string;

  beforeAll(async () => {
    t = await importTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    api = apiCaller(
      () => t.app,
      () => admin,
    );
    const brand = await api('POST', '/brands', { payload: { name: 'Ambalajcı', slug: 'ambalajci' } });
    expect(brand.statusCode, brand.body).toBe(201);
    for (const [name, slug] of [
      ['Kutular', 'kutular'],
      ['Kargo Malzemeleri', 'kargo'],
    ]) {
      const category = await api('POST', '/categories', {
        payload: { translations: { tr: { name, slug } } },
      });
      expect(category.statusCode, category.body).toBe(201);
    }
    await startWorkers(t);
  });
  afterAll(() => t?.close());

  const product = async (slug: string) => {
    const response = await api('GET', `/products/${slug}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as ProductBody;
  };
  const count = async (table: 'products' | 'product_variants') =>
    (
      await t.ownerQuery<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE deleted_at IS NULL`)
    )[0]!.n;
  const auditCount = async (action: string) =>
    (
      await t.ownerQuery<{ n: number }>('SELECT count(*)::int AS n FROM audit_logs WHERE action = $1', [
        action,
      ])
    )[0]!.n;

  it('answers 202 with a queued import and its URL, then creates every product with its variants', async () => {
    const fileId = await uploadCsv(t, admin, catalogCsv());
    const started = await api('POST', '/products/import', { payload: { fileId } });
    expect(started.statusCode, started.body).toBe(202);
    const queued = started.json() as ImportBody;
    expect(queued).toMatchObject({
      status: 'queued',
      fileId,
      totalRows: null,
      processedRows: 0,
      createdCount: 0,
      errors: [],
      startedAt: null,
      finishedAt: null,
    });
    expect(started.headers.location).toBe(`/api/v1/products/imports/${queued.id}`);
    firstRequestId = String(started.headers['x-request-id']);

    firstImport = await waitForImport(api, queued.id);
    expect(firstImport).toMatchObject({
      status: 'completed',
      totalRows: 4,
      processedRows: 4,
      createdCount: 3,
      updatedCount: 0,
      errorCount: 0,
      errors: [],
    });
    expect(firstImport.startedAt).not.toBeNull();
    expect(firstImport.finishedAt).not.toBeNull();

    const kutu = await product('kraft-kutu');
    expect(kutu).toMatchObject({
      status: 'active',
      externalId: 'KUTU-1',
      name: 'Kraft Kutu Ölçülü',
      description: 'Dayanıklı, geri dönüştürülmüş karton; "A" kalite',
      brand: { slug: 'ambalajci' },
      categories: [{ slug: 'kutular' }, { slug: 'kargo' }],
      unit: 'adet',
      minOrderQuantity: '10.000',
      orderMultiple: '5.000',
    });
    expect(Number(kutu.taxRate)).toBe(20);
    expect(kutu.translations['en']).toMatchObject({ name: 'Kraft Box' });
    expect(kutu.variants).toMatchObject([
      {
        sku: 'KK-S',
        barcode: BARCODE_S,
        optionValues: { boyut: 'S', renk: 'Kahverengi' },
        currency: 'TRY',
        weightGrams: 250,
        status: 'active',
      },
      { sku: 'KK-L', barcode: BARCODE_L, optionValues: { boyut: 'L', renk: 'Kahverengi' }, currency: 'TRY' },
    ]);
    expect(kutu.variants.map((v) => Number(v.basePrice))).toEqual([12.5, 18.75]);
    expect(kutu.variants.map((v) => Number(v.stockQuantity))).toEqual([100, 40]);

    // A slug left out is made from the name, Turkish letters transliterated, as through the API.
    const bant = await product('koli-bandi-seffaf');
    expect(bant).toMatchObject({
      status: 'draft',
      externalId: 'BANT-1',
      brand: null,
      categories: [{ slug: 'kargo' }],
    });
    const etiket = await product('igne-etiket-cikartma');
    expect(etiket).toMatchObject({ status: 'active', name: 'İğne Etiket Çıkartma', unit: 'paket' });
    expect(etiket.variants).toMatchObject([{ sku: 'ET-1', currency: 'EUR', status: 'inactive' }]);
    expect(await count('products')).toBe(3);
    expect(await count('product_variants')).toBe(4);
  });

  it('audits the import’s start and end, and each product like the API does, under the import request', async () => {
    const rows = await t.ownerQuery<{
      action: string;
      actor_type: string;
      actor_id: string | null;
      request_id: string;
    }>(
      `SELECT action, actor_type, actor_id, request_id FROM audit_logs
        WHERE entity_id = $1 OR action IN ('product.created', 'variant.created') ORDER BY id`,
      [firstImport.id],
    );
    const me = (await api('GET', '/me')).json() as { id: string };
    expect(rows.filter((r) => r.action === 'catalog_import.created')).toEqual([
      { action: 'catalog_import.created', actor_type: 'user', actor_id: me.id, request_id: firstRequestId },
    ]);
    expect(rows.filter((r) => r.action === 'catalog_import.completed')).toHaveLength(1);
    const products = rows.filter((r) => r.action === 'product.created');
    expect(products).toHaveLength(3);
    expect(rows.filter((r) => r.action === 'variant.created')).toHaveLength(4);
    expect(new Set(products.map((r) => r.request_id))).toEqual(new Set([firstRequestId]));
    expect(firstImport.createdBy).toBe(me.id);
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = {
      created: await auditCount('product.created'),
      updated: await auditCount('product.updated'),
    };
    const again = await importCsv(t, api, admin, catalogCsv());
    expect(again).toMatchObject({
      status: 'completed',
      processedRows: 4,
      createdCount: 0,
      updatedCount: 0,
      errorCount: 0,
    });
    expect(await count('products')).toBe(3);
    expect(await count('product_variants')).toBe(4);
    expect(await auditCount('product.created')).toBe(before.created);
    expect(await auditCount('product.updated')).toBe(before.updated);
    expect(await auditCount('variant.updated')).toBe(0);
  });

  it('updates what a file changes, adds new variants, and deletes nothing it does not mention', async () => {
    const changed = csvText([
      ['product_external_id', 'name_tr', 'sku', 'base_price', 'options'],
      ['KUTU-1', '', 'KK-S', '13', ''],
      ['KUTU-1', '', 'KK-XL', '24.90', 'boyut=XL|renk=Kahverengi'],
      ['ETIKET-1', 'İğne Etiket (Yeni)', 'ET-1', '', ''],
    ]);
    const result = await importCsv(t, api, admin, changed);
    expect(result).toMatchObject({
      status: 'completed',
      totalRows: 3,
      createdCount: 0,
      updatedCount: 2,
      errorCount: 0,
    });

    const kutu = await product('kraft-kutu');
    expect(kutu.variants.map((v) => [v.sku, Number(v.basePrice)])).toEqual([
      ['KK-S', 13],
      ['KK-L', 18.75],
      ['KK-XL', 24.9],
    ]);
    // Columns left out of the file keep their values.
    expect(kutu).toMatchObject({ name: 'Kraft Kutu Ölçülü', brand: { slug: 'ambalajci' }, status: 'active' });
    expect(kutu.variants[0]).toMatchObject({
      barcode: BARCODE_S,
      optionValues: { boyut: 'S', renk: 'Kahverengi' },
    });
    // Renaming keeps the slug (URLs do not move), as PATCH /products does.
    const etiket = await product('igne-etiket-cikartma');
    expect(etiket.name).toBe('İğne Etiket (Yeni)');
    expect((await product('koli-bandi-seffaf')).variants).toHaveLength(1);
    expect(await count('products')).toBe(3);
  });

  it('imports the good products of a file and reports each bad row with its row number and column', async () => {
    const bad = csvText([
      ['product_external_id', 'status', 'name_tr', 'categories', 'sku', 'barcode', 'base_price'],
      ['IYI-1', 'active', 'İyi Ürün', 'kargo', 'IYI-1-A', '', '5.00'],
      ['FIYAT-1', '', 'Fiyatı Hatalı', '', 'FY-1', '', '"12,5a"'],
      ['SKU-1', '', 'Başkasının SKU’su', '', 'KK-S', '', '3'],
      ['KAT-1', '', 'Kategorisi Yok', 'kargo|olmayan-kategori', 'KT-1', '', '3'],
      ['EAN-1', '', 'Barkodu Hatalı', '', 'EAN-1-A', badEan13('869123450003'), '3'],
      ['ADSIZ-1', '', '', '', 'ADSIZ-1-A', '', '3'],
      ['CIFT-1', 'active', 'Çelişkili', '', 'CF-1', '', '3'],
      ['CIFT-1', 'draft', '', '', 'CF-2', '', '3'],
      ['', '', 'Anahtarsız', '', 'YOK-1', '', '3'],
      ['IYI-2', '', 'İkinci İyi Ürün', '', 'IYI-2-A', '', '7.25'],
    ]);
    const result = await importCsv(t, api, admin, bad);
    expect(result).toMatchObject({
      status: 'completed',
      totalRows: 10,
      processedRows: 10,
      createdCount: 2,
      updatedCount: 0,
      errorCount: 7,
    });
    expect(result.errors).toEqual([
      {
        row: 3,
        field: 'base_price',
        message:
          '"12,5a" must be a price with at most 4 decimals, e.g. 12.50 (use a point for decimals, not a comma).',
      },
      { row: 4, field: 'sku', message: 'Another variant already has the SKU "KK-S".' },
      { row: 5, field: 'categories', message: 'No category has the slug "olmayan-kategori".' },
      { row: 6, field: 'barcode', message: 'is not a valid EAN-13 (check digit)' },
      {
        row: 7,
        field: 'name_tr',
        message: 'is required for a new product: give its name in at least one language.',
      },
      {
        row: 9,
        field: 'status',
        message:
          'differs from row 8 of the same product; give a product’s values once, or the same on every row.',
      },
      {
        row: 10,
        field: 'product_external_id',
        message: 'is empty: every row needs the external id of its product.',
      },
    ]);
    expect((await product('iyi-urun')).variants).toMatchObject([{ sku: 'IYI-1-A' }]);
    expect((await product('ikinci-iyi-urun')).externalId).toBe('IYI-2');
    const skipped = await t.ownerQuery(
      `SELECT external_id FROM products WHERE external_id IN ('FIYAT-1','SKU-1','KAT-1','EAN-1','ADSIZ-1','CIFT-1')`,
    );
    expect(skipped).toEqual([]);
    // The SKU another product has is still that product's, unchanged.
    expect((await product('kraft-kutu')).variants[0]).toMatchObject({ sku: 'KK-S' });
  });

  it('reads semicolon files with a byte order mark, as Excel saves them, Turkish letters intact', async () => {
    const excel = `\uFEFF${csvText(
      [
        ['Product_External_Id', 'Name_TR', 'SKU', 'Base_Price', 'Options'],
        ['TR-1', 'Çiçekli Şişe Kapağı ĞÜŞİÖÇ ğüşıöç', 'TR-1-A', '4.50', 'renk=Işıl Işıl Sarı'],
      ],
      ';',
    )}`;
    const result = await importCsv(t, api, admin, excel);
    expect(result).toMatchObject({ status: 'completed', createdCount: 1, errorCount: 0 });
    const created = await product('cicekli-sise-kapagi-gusioc-gusioc');
    expect(created.name).toBe('Çiçekli Şişe Kapağı ĞÜŞİÖÇ ğüşıöç');
    expect(created.variants[0]!.optionValues).toEqual({ renk: 'Işıl Işıl Sarı' });
  });

  it('fails at once, changing nothing, when a column is unknown or a required one is missing', async () => {
    const before = await count('products');
    const unknown = await importCsv(
      t,
      api,
      admin,
      csvText([
        ['product_external_id', 'sku', 'fiyat', 'name_tr'],
        ['YENI-1', 'Y-1', '5', 'Yeni'],
      ]),
    );
    expect(unknown).toMatchObject({ status: 'failed', processedRows: 0, createdCount: 0, errorCount: 1 });
    expect(unknown.errors).toEqual([
      { row: 1, field: 'fiyat', message: expect.stringMatching(/^Unknown column "fiyat"\. Known columns: /) },
    ]);
    expect(unknown.finishedAt).not.toBeNull();

    const missing = await importCsv(
      t,
      api,
      admin,
      csvText([
        ['name_tr', 'base_price'],
        ['Yeni', '5'],
      ]),
    );
    expect(missing).toMatchObject({ status: 'failed', errorCount: 2 });
    expect(missing.errors).toEqual([
      {
        row: 1,
        field: 'product_external_id',
        message: 'The required column "product_external_id" is missing.',
      },
      { row: 1, field: 'sku', message: 'The required column "sku" is missing.' },
    ]);

    const unclosed = await importCsv(t, api, admin, 'product_external_id,sku,name_tr\nA,B,"Kapanmayan\n');
    expect(unclosed).toMatchObject({
      status: 'failed',
      errors: [{ row: 2, field: null, message: 'A quoted cell that starts on row 2 is never closed.' }],
    });
    expect(await count('products')).toBe(before);
    expect(await auditCount('catalog_import.failed')).toBe(3);
  });

  it('lists imports newest first, with a cursor, without their error reports', async () => {
    const first = await api('GET', '/products/imports?limit=2');
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json() as { items: ImportBody[]; nextCursor: string | null };
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.status).toBe('failed');
    expect(page.items[0]).not.toHaveProperty('errors');
    expect(page.nextCursor).not.toBeNull();
    const all: ImportBody[] = [...page.items];
    let cursor = page.nextCursor;
    while (cursor) {
      const next = (await api('GET', `/products/imports?limit=2&cursor=${cursor}`)).json() as typeof page;
      all.push(...next.items);
      cursor = next.nextCursor;
    }
    expect(all.at(-1)!.id).toBe(firstImport.id);
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    expectProblem(await api('GET', '/products/imports?cursor=bm9wZQ'), 400, 'request.invalid_cursor');
  });

  it('refuses bad requests with a problem and stores nothing', async () => {
    const before = await t.ownerQuery('SELECT id FROM catalog_imports');
    expectProblem(
      await api('POST', '/products/import', { payload: { fileId: 'yok' } }),
      400,
      'request.validation_failed',
    );
    expectProblem(await api('POST', '/products/import', { payload: {} }), 400, 'request.validation_failed');
    expectProblem(
      await api('POST', '/products/import', { payload: { fileId: '01900000-0000-7000-8000-000000000000' } }),
      404,
      'files.not_found',
    );
    const image = multipartBody([
      { name: 'purpose', value: 'image' },
      { name: 'file', filename: 'kutu.png', contentType: 'image/png', data: await sampleImage('png') },
    ]);
    const uploaded = await t.app.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...admin.auth, ...image.headers },
      payload: image.payload,
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    expectProblem(
      await api('POST', '/products/import', { payload: { fileId: (uploaded.json() as { id: string }).id } }),
      409,
      'catalog.not_an_import_file',
    );
    expectProblem(
      await api('GET', '/products/imports/01900000-0000-7000-8000-000000000000'),
      404,
      'catalog.import_not_found',
    );
    expect(await t.ownerQuery('SELECT id FROM catalog_imports')).toEqual(before);
  });

  it('needs products.create and products.edit to import; customers and guests get 403 and 401', async () => {
    await makeUser(t, {
      email: 'bayi@ithalat.test',
      password: 'Dosya-Gonderen-77!',
      kind: 'customer',
      roles: ['dealer_owner'],
    });
    await makeUser(t, {
      email: 'satis@ithalat.test',
      password: 'Sorumlu-Kisi-88!',
      roles: ['sales_manager'],
    });
    const customer = await signIn(t.app, 'bayi@ithalat.test', 'Dosya-Gonderen-77!');
    const sales = await signIn(t.app, 'satis@ithalat.test', 'Sorumlu-Kisi-88!');
    const fileId = await uploadCsv(t, admin, catalogCsv());
    for (const who of [customer, sales]) {
      expectProblem(
        await api('POST', '/products/import', { auth: who, payload: { fileId } }),
        403,
        'auth.forbidden',
      );
      expectProblem(
        await api('GET', `/products/imports/${firstImport.id}`, { auth: who }),
        403,
        'auth.forbidden',
      );
      expectProblem(await api('GET', '/products/imports', { auth: who }), 403, 'auth.forbidden');
    }
    expectProblem(
      await api('POST', '/products/import', { auth: null, payload: { fileId } }),
      401,
      'auth.unauthenticated',
    );
  });

  it('treats another tenant’s files and imports as missing', async () => {
    const other = await otherTenantAdmin(t, 'baska-toptanci');
    const theirFile = await uploadCsv(t, other, catalogCsv());
    expectProblem(
      await api('POST', '/products/import', { payload: { fileId: theirFile } }),
      404,
      'files.not_found',
    );
    expectProblem(
      await api('GET', `/products/imports/${firstImport.id}`, { auth: other }),
      404,
      'catalog.import_not_found',
    );
    const theirList = (await api('GET', '/products/imports', { auth: other })).json() as { items: unknown[] };
    expect(theirList.items).toEqual([]);
  });
});
