import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import {
  auditTrail,
  createBrand,
  createProduct,
  otherTenantAdmin,
  type ProductBody,
  uniqueSku,
  type VariantBody,
} from '../../../test/catalog.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

describe('products: create, change, delete', () => {
  let t: TestApp;
  let admin: SignedIn;
  let editor: SignedIn;
  let support: SignedIn;
  let customer: SignedIn;

  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  async function count(sql: string, values: unknown[] = []): Promise<number> {
    const [row] = await t.ownerQuery<{ n: string }>(sql, values);
    return Number(row!.n);
  }
  const productCount = () => count('SELECT count(*) AS n FROM products');

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await makeUser(t, { email: 'icerik@ornek.com.tr', password: PASSWORD, roles: ['content_manager'] });
    await makeUser(t, { email: 'destek@ornek.com.tr', password: PASSWORD, roles: ['customer_service'] });
    await makeUser(t, {
      email: 'bayi@ornek.com.tr',
      password: PASSWORD,
      kind: 'customer',
      roles: ['dealer_owner'],
    });
    editor = await signIn(t.app, 'icerik@ornek.com.tr', PASSWORD);
    support = await signIn(t.app, 'destek@ornek.com.tr', PASSWORD);
    customer = await signIn(t.app, 'bayi@ornek.com.tr', PASSWORD);
  });
  afterAll(() => t?.close());

  describe('slugs', () => {
    it('makes slugs from names with Turkish transliteration, per locale', async () => {
      const product = await createProduct(call, {
        translations: { tr: { name: 'Kraft Kutu Ölçülü' }, en: { name: 'Kraft Box, Measured' } },
      });
      expect(product.slug).toBe('kraft-kutu-olculu');
      expect(product.translations['tr']!.slug).toBe('kraft-kutu-olculu');
      expect(product.translations['en']!.slug).toBe('kraft-box-measured');
    });

    it('gives a generated slug that is taken a numeric suffix', async () => {
      const names = ['Şeffaf Bant', 'ŞEFFAF BANT', 'Şeffaf  Bant!'];
      const slugs = [];
      for (const name of names)
        slugs.push((await createProduct(call, { translations: { tr: { name } } })).slug);
      expect(slugs).toEqual(['seffaf-bant', 'seffaf-bant-2', 'seffaf-bant-3']);
      // The same slug in another locale is no collision.
      const english = await createProduct(call, { translations: { en: { name: 'Seffaf bant' } } });
      expect(english.translations['en']!.slug).toBe('seffaf-bant');
    });

    it('refuses an explicit slug that is taken with 409 naming the field, storing nothing', async () => {
      await createProduct(call, { translations: { tr: { name: 'Koli Bandı', slug: 'koli-bandi' } } });
      const before = await productCount();
      const sku = uniqueSku();
      const response = await call('POST', '/products', {
        payload: {
          translations: { tr: { name: 'Başka Bant', slug: 'koli-bandi' } },
          variants: [{ sku, basePrice: '5' }],
        },
      });
      expectProblem(response, 409, 'catalog.slug_taken');
      expect(response.json()).toMatchObject({ field: 'translations/tr/slug' });
      expect(await productCount()).toBe(before);
      expect(await count('SELECT count(*) AS n FROM product_variants WHERE sku = $1', [sku])).toBe(0);
    });

    it('keeps the slug when the name changes, and changes it only when told', async () => {
      const product = await createProduct(call, { translations: { tr: { name: 'Streç Film' } } });
      const renamed = await call('PATCH', `/products/${product.id}`, {
        payload: { translations: { tr: { name: 'Streç Film 50 cm' } } },
      });
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect(renamed.json()).toMatchObject({ name: 'Streç Film 50 cm', slug: 'strec-film' });

      const taken = await createProduct(call, {
        translations: { tr: { name: 'Başka', slug: 'baska-urun' } },
      });
      const clash = await call('PATCH', `/products/${product.id}`, {
        payload: { translations: { tr: { slug: taken.slug } } },
      });
      expectProblem(clash, 409, 'catalog.slug_taken');
      expect(clash.json()).toMatchObject({ field: 'translations/tr/slug' });

      const moved = await call('PATCH', `/products/${product.id}`, {
        payload: { translations: { tr: { slug: 'strec-film-50' } } },
      });
      expect(moved.json()).toMatchObject({ slug: 'strec-film-50' });
      expect((await call('GET', '/products/strec-film-50')).statusCode).toBe(200);
      expectProblem(await call('GET', '/products/strec-film'), 404, 'catalog.product_not_found');
    });

    it('adds and removes locales, but never the last one', async () => {
      const product = await createProduct(call, { translations: { tr: { name: 'Palet' } } });
      const added = await call('PATCH', `/products/${product.id}`, {
        payload: { translations: { en: { name: 'Pallet', description: 'Wooden' } } },
      });
      expect((added.json() as ProductBody).translations['en']).toEqual({
        name: 'Pallet',
        slug: 'pallet',
        description: 'Wooden',
      });
      expectProblem(
        await call('PATCH', `/products/${product.id}`, {
          payload: { translations: { de: { slug: 'palette' } } },
        }),
        400,
        'catalog.name_required',
      );
      const removed = await call('PATCH', `/products/${product.id}`, {
        payload: { translations: { tr: null } },
      });
      expect(Object.keys((removed.json() as ProductBody).translations)).toEqual(['en']);
      expectProblem(
        await call('PATCH', `/products/${product.id}`, { payload: { translations: { en: null } } }),
        400,
        'catalog.last_locale',
      );
    });
  });

  describe('uniqueness', () => {
    it('refuses a SKU used by another product with 409 naming the variant field', async () => {
      const sku = uniqueSku('DUP');
      await createProduct(call, { variants: [{ sku, basePrice: '1' }] });
      const before = await productCount();
      const response = await call('POST', '/products', {
        payload: {
          translations: { tr: { name: 'İkinci' } },
          variants: [
            { sku: uniqueSku(), basePrice: '1' },
            { sku, basePrice: '1' },
          ],
        },
      });
      expectProblem(response, 409, 'catalog.sku_taken');
      expect(response.json()).toMatchObject({ field: 'variants/1/sku' });
      expect(await productCount()).toBe(before);
    });

    it('refuses the same SKU twice in one request', async () => {
      const sku = uniqueSku();
      const response = await call('POST', '/products', {
        payload: {
          translations: { tr: { name: 'Çift' } },
          variants: [
            { sku, basePrice: '1' },
            { sku, basePrice: '2' },
          ],
        },
      });
      expectProblem(response, 409, 'catalog.sku_taken');
      expect(response.json()).toMatchObject({ field: 'variants/1/sku' });
    });

    it('refuses an external id used by another product with 409 (on create and on change)', async () => {
      const first = await createProduct(call, { externalId: 'ERP-0001' });
      const response = await call('POST', '/products', {
        payload: {
          translations: { tr: { name: 'Başka' } },
          externalId: 'ERP-0001',
          variants: [{ sku: uniqueSku(), basePrice: '1' }],
        },
      });
      expectProblem(response, 409, 'catalog.external_id_taken');
      expect(response.json()).toMatchObject({ field: 'externalId' });
      const second = await createProduct(call, { externalId: 'ERP-0002' });
      const clash = await call('PATCH', `/products/${second.id}`, { payload: { externalId: 'ERP-0001' } });
      expectProblem(clash, 409, 'catalog.external_id_taken');
      // Setting its own id again is not a conflict.
      expect(
        (await call('PATCH', `/products/${first.id}`, { payload: { externalId: 'ERP-0001' } })).statusCode,
      ).toBe(200);
    });

    it('answers concurrent creations with the same SKU with one 201 and 409s, never a 500', async () => {
      const sku = uniqueSku('RACE');
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call('POST', '/products', {
            payload: { translations: { tr: { name: `Yarış ${i}` } }, variants: [{ sku, basePrice: '1' }] },
          }),
        ),
      );
      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
      for (const r of responses.filter((r) => r.statusCode === 409)) {
        expect(r.json()).toMatchObject({ code: 'catalog.sku_taken' });
      }
      expect(await count('SELECT count(*) AS n FROM product_variants WHERE sku = $1', [sku])).toBe(1);
    });

    it('gives concurrent products with the same name distinct generated slugs', async () => {
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          call('POST', '/products', {
            payload: {
              translations: { tr: { name: 'Eşzamanlı Ürün' } },
              variants: [{ sku: uniqueSku(), basePrice: '1' }],
            },
          }),
        ),
      );
      expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
      const slugs = responses.map((r) => (r.json() as ProductBody).slug).sort();
      expect(slugs).toEqual([
        'eszamanli-urun',
        'eszamanli-urun-2',
        'eszamanli-urun-3',
        'eszamanli-urun-4',
        'eszamanli-urun-5',
      ]);
    });
  });

  describe('input validation', () => {
    const valid = () => ({
      translations: { tr: { name: 'Geçerli Ürün' } },
      variants: [{ sku: uniqueSku(), basePrice: '10' }],
    });

    it('refuses bad values with 400 naming each field, storing nothing', async () => {
      const before = await productCount();
      const cases: [Record<string, unknown>, string][] = [
        [
          { translations: { tr: { name: 'x', slug: "x'; DROP TABLE products; --" } } },
          'translations/tr/slug',
        ],
        [{ variants: [{ sku: "' OR 1=1 --", basePrice: '1' }] }, 'variants/0/sku'],
        [{ translations: { tr: { name: 'x'.repeat(201) } } }, 'translations/tr/name'],
        [{ translations: { tr: { name: 'iki\nsatır' } } }, 'translations/tr/name'],
        [{ translations: { tr: { name: '   ' } } }, 'translations/tr/name'],
        [{ translations: { TR: { name: 'x' } } }, 'translations/TR'],
        [{ translations: {} }, 'translations'],
        [{ taxRate: '101' }, 'taxRate'],
        [{ taxRate: '18.555' }, 'taxRate'],
        [{ unit: 'ton' }, 'unit'],
        [{ minOrderQuantity: '0' }, 'minOrderQuantity'],
        [{ orderMultiple: '-5' }, 'orderMultiple'],
        [{ status: 'published' }, 'status'],
        [{ variants: [] }, 'variants'],
        [{ variants: [{ sku: 'A1', basePrice: '19.99999' }] }, 'variants/0/basePrice'],
        [{ variants: [{ sku: 'A1', basePrice: '-1' }] }, 'variants/0/basePrice'],
        [{ variants: [{ sku: 'A1', basePrice: '1e3' }] }, 'variants/0/basePrice'],
        [{ variants: [{ sku: 'A1', basePrice: '1', currency: 'try' }] }, 'variants/0/currency'],
        [{ variants: [{ sku: 'A1', basePrice: '1', weightGrams: -1 }] }, 'variants/0/weightGrams'],
        [
          { variants: [{ sku: 'A1', basePrice: '1', optionValues: { beden: 'x'.repeat(101) } }] },
          'variants/0/optionValues/beden',
        ],
        [{ variants: [{ sku: 'x'.repeat(65), basePrice: '1' }] }, 'variants/0/sku'],
        [{ categoryIds: ['not-a-uuid'] }, 'categoryIds/0'],
        [{ externalId: 'x'.repeat(101) }, 'externalId'],
        [{ colour: 'red' }, 'colour'],
      ];
      for (const [override, field] of cases) {
        const response = await call('POST', '/products', { payload: { ...valid(), ...override } });
        expectProblem(response, 400, 'request.validation_failed');
        const errors = (response.json() as { errors: { field: string }[] }).errors.map((e) => e.field);
        expect(errors, JSON.stringify(override)).toContain(field);
      }
      // NUL is refused for the whole API, before validation (kernel/http/invalid-characters.ts).
      const nul = await call('POST', '/products', {
        payload: { ...valid(), translations: { tr: { name: 'x', description: 'a\u0000b' } } },
      });
      expectProblem(nul, 400, 'request.invalid_characters');
      expect(nul.json().errors).toEqual([
        { in: 'body', field: 'translations/tr/description', message: 'contains a NUL character (U+0000)' },
      ]);
      expect(await productCount()).toBe(before);
    });

    it('checks what the schema cannot: EAN-13 check digit and ISO currency', async () => {
      const bad = await call('POST', '/products', {
        payload: { ...valid(), variants: [{ sku: uniqueSku(), basePrice: '1', barcode: '4006381333932' }] },
      });
      expectProblem(bad, 400, 'catalog.invalid_barcode');
      expect(bad.json()).toMatchObject({ errors: [{ in: 'body', field: 'variants/0/barcode' }] });
      const currency = await call('POST', '/products', {
        payload: { ...valid(), variants: [{ sku: uniqueSku(), basePrice: '1', currency: 'XYZ' }] },
      });
      expectProblem(currency, 400, 'catalog.invalid_currency');
      expect(currency.json()).toMatchObject({ errors: [{ field: 'variants/0/currency' }] });
      const good = await createProduct(call, {
        variants: [{ sku: uniqueSku(), basePrice: '1', barcode: '4006381333931', currency: 'EUR' }],
      });
      expect(good.variants[0]).toMatchObject({ barcode: '4006381333931', currency: 'EUR' });
    });

    it('stores SQL-looking names as plain text', async () => {
      const name = "Robert'); DROP TABLE products; --";
      const product = await createProduct(call, { translations: { tr: { name } } });
      expect(product.name).toBe(name);
      expect(product.slug).toBe('robert-drop-table-products');
      expect(await productCount()).toBeGreaterThan(0);
    });

    it('answers unknown references in the body with 400 naming them', async () => {
      const response = await call('POST', '/products', {
        payload: { ...valid(), brandId: '0190f5a2-0000-7000-8000-000000000000' },
      });
      expectProblem(response, 400, 'catalog.invalid_reference');
      expect(response.json()).toMatchObject({ errors: [{ field: 'brandId' }] });
      const categories = await call('POST', '/products', {
        payload: { ...valid(), categoryIds: ['0190f5a2-0000-7000-8000-000000000000'] },
      });
      expectProblem(categories, 400, 'catalog.invalid_reference');
      expect(categories.json()).toMatchObject({ errors: [{ field: 'categoryIds/0' }] });
    });
  });

  describe('money and quantities', () => {
    it('keeps prices exact as decimal strings', async () => {
      const product = await createProduct(call, {
        taxRate: '10',
        unit: 'koli',
        minOrderQuantity: '50',
        orderMultiple: '50',
        variants: [
          { sku: uniqueSku(), basePrice: '19.9900', stockQuantity: '12.5' },
          { sku: uniqueSku(), basePrice: '0.0001' },
          { sku: uniqueSku(), basePrice: '999999999999999.9999' },
        ],
      });
      expect(product.variants.map((v) => v.basePrice)).toEqual(['19.9900', '0.0001', '999999999999999.9999']);
      expect(product).toMatchObject({
        taxRate: '10.00',
        unit: 'koli',
        minOrderQuantity: '50.000',
        orderMultiple: '50.000',
        minPrice: '0.0001',
        maxPrice: '999999999999999.9999',
      });
      expect(product.variants[0]!.stockQuantity).toBe('12.500');
      const [row] = await t.ownerQuery<{ p: string }>(
        'SELECT base_price::text AS p FROM product_variants WHERE id = $1',
        [product.variants[2]!.id],
      );
      expect(row!.p).toBe('999999999999999.9999');
      const read = (await call('GET', `/products/${product.id}`)).json() as ProductBody;
      expect(read.variants[0]!.basePrice).toBe('19.9900');
    });
  });

  describe('changes', () => {
    it('changes fields, brand, status and keeps the audit trail of each change', async () => {
      const brand = await createBrand(call, 'Kartonsan');
      const product = await createProduct(call);
      const response = await call('PATCH', `/products/${product.id}`, {
        payload: { status: 'active', brandId: brand.id, taxRate: '1', unit: 'paket', externalId: 'ERP-X' },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        status: 'active',
        brand: { id: brand.id, name: 'Kartonsan', slug: 'kartonsan' },
        taxRate: '1.00',
        unit: 'paket',
        externalId: 'ERP-X',
      });
      const cleared = await call('PATCH', `/products/${product.id}`, {
        payload: { brandId: null, externalId: null },
      });
      expect(cleared.json()).toMatchObject({ brand: null, externalId: null });

      const trail = await auditTrail(t, 'product', product.id);
      expect(trail.map((e) => e.action)).toEqual(['product.created', 'product.updated', 'product.updated']);
      expect(trail[1]!.before).toMatchObject({ status: 'draft', brandId: null });
      expect(trail[1]!.after).toMatchObject({ status: 'active', brandId: brand.id, unit: 'paket' });
      const events = await t.ownerQuery<{ payload: { productId: string; change: string } }>(
        "SELECT payload FROM domain_events WHERE type = 'catalog.product_changed' AND payload->>'productId' = $1 ORDER BY id",
        [product.id],
      );
      expect(events.map((e) => e.payload.change)).toEqual(['created', 'updated', 'updated']);
    });

    it('refuses an empty or unknown change', async () => {
      const product = await createProduct(call);
      expectProblem(
        await call('PATCH', `/products/${product.id}`, { payload: {} }),
        400,
        'request.validation_failed',
      );
      expectProblem(
        await call('PATCH', `/products/${product.id}`, { payload: { sku: 'X' } }),
        400,
        'request.validation_failed',
      );
      expectProblem(
        await call('PATCH', '/products/0190f5a2-0000-7000-8000-000000000000', {
          payload: { status: 'active' },
        }),
        404,
        'catalog.product_not_found',
      );
    });
  });

  describe('deletion', () => {
    it('makes a product 404 and frees its SKUs, slugs and external id', async () => {
      const sku = uniqueSku('DEL');
      const product = await createProduct(call, {
        translations: { tr: { name: 'Silinecek Ürün' } },
        externalId: 'ERP-DEL',
        variants: [{ sku, basePrice: '3' }],
      });
      const response = await call('DELETE', `/products/${product.id}`);
      expect(response.statusCode).toBe(204);
      expectProblem(await call('GET', `/products/${product.id}`), 404, 'catalog.product_not_found');
      expectProblem(await call('GET', '/products/silinecek-urun'), 404, 'catalog.product_not_found');
      expectProblem(
        await call('PATCH', `/products/${product.id}`, { payload: { status: 'active' } }),
        404,
        'catalog.product_not_found',
      );
      expectProblem(await call('DELETE', `/products/${product.id}`), 404, 'catalog.product_not_found');
      expectProblem(
        await call('POST', `/products/${product.id}/variants`, {
          payload: { sku: uniqueSku(), basePrice: '1' },
        }),
        404,
        'catalog.product_not_found',
      );

      const again = await createProduct(call, {
        translations: { tr: { name: 'Silinecek Ürün' } },
        externalId: 'ERP-DEL',
        variants: [{ sku, basePrice: '4' }],
      });
      expect(again.slug).toBe('silinecek-urun');
      expect(again.variants[0]!.sku).toBe(sku);

      const [stored] = await t.ownerQuery<{
        slug: string;
        deleted_at: Date | null;
        external_id: string | null;
      }>(
        `SELECT t.slug, p.deleted_at, p.external_id FROM products p JOIN product_translations t ON t.product_id = p.id
          WHERE p.id = $1`,
        [product.id],
      );
      expect(stored!.slug).toBe(`silinecek-urun~${product.id}`);
      expect(stored!.deleted_at).not.toBeNull();
      expect(stored!.external_id).toBeNull();
      const trail = await auditTrail(t, 'product', product.id);
      expect(trail.at(-1)).toMatchObject({
        action: 'product.deleted',
        before: { externalId: 'ERP-DEL', translations: { tr: { slug: 'silinecek-urun' } } },
      });
    });
  });

  describe('variants', () => {
    it('adds, changes and deletes variants; the last one stays', async () => {
      const product = await createProduct(call, { variants: [{ sku: uniqueSku(), basePrice: '10' }] });
      const taken = uniqueSku('TAKEN');
      await createProduct(call, { variants: [{ sku: taken, basePrice: '1' }] });

      const added = await call('POST', `/products/${product.id}/variants`, {
        payload: { sku: uniqueSku(), basePrice: '12.5', optionValues: { beden: 'L', renk: 'Kırmızı' } },
      });
      expect(added.statusCode, added.body).toBe(201);
      const variant = added.json() as VariantBody;
      expect(variant).toMatchObject({
        basePrice: '12.5000',
        optionValues: { beden: 'L', renk: 'Kırmızı' },
        position: 1,
      });

      const clash = await call('PATCH', `/products/${product.id}/variants/${variant.id}`, {
        payload: { sku: taken },
      });
      expectProblem(clash, 409, 'catalog.sku_taken');
      expect(clash.json()).toMatchObject({ field: 'sku' });
      expectProblem(
        await call('POST', `/products/${product.id}/variants`, { payload: { sku: taken, basePrice: '1' } }),
        409,
        'catalog.sku_taken',
      );
      expectProblem(
        await call('PATCH', `/products/${product.id}/variants/${variant.id}`, {
          payload: { barcode: '1234567890123' },
        }),
        400,
        'catalog.invalid_barcode',
      );

      const changed = await call('PATCH', `/products/${product.id}/variants/${variant.id}`, {
        payload: { basePrice: '8', status: 'inactive' },
      });
      expect(changed.json()).toMatchObject({ basePrice: '8.0000', status: 'inactive' });
      // Inactive variants do not count toward the product's price range.
      expect((await call('GET', `/products/${product.id}`)).json()).toMatchObject({ minPrice: '10.0000' });

      const first = product.variants[0]!;
      expect((await call('DELETE', `/products/${product.id}/variants/${first.id}`)).statusCode).toBe(204);
      expectProblem(
        await call('DELETE', `/products/${product.id}/variants/${variant.id}`),
        409,
        'catalog.last_variant',
      );
      // The deleted variant's SKU is free again.
      const reuse = await call('POST', `/products/${product.id}/variants`, {
        payload: { sku: first.sku, basePrice: '1' },
      });
      expect(reuse.statusCode, reuse.body).toBe(201);

      const trail = await auditTrail(t, 'variant', first.id);
      expect(trail.map((e) => e.action)).toEqual(['variant.created', 'variant.deleted']);
    });

    it('answers a variant of another product with 404', async () => {
      const a = await createProduct(call);
      const b = await createProduct(call);
      expectProblem(
        await call('PATCH', `/products/${a.id}/variants/${b.variants[0]!.id}`, {
          payload: { basePrice: '1' },
        }),
        404,
        'catalog.variant_not_found',
      );
      expectProblem(
        await call('DELETE', `/products/${a.id}/variants/${b.variants[0]!.id}`),
        404,
        'catalog.variant_not_found',
      );
    });
  });

  describe('permissions and tenants', () => {
    it('lets a content manager create, edit and delete', async () => {
      const product = await createProduct(call, {}, editor);
      const edited = await call('PATCH', `/products/${product.id}`, {
        auth: editor,
        payload: { status: 'active' },
      });
      expect(edited.statusCode).toBe(200);
      expect((await call('DELETE', `/products/${product.id}`, { auth: editor })).statusCode).toBe(204);
    });

    it('refuses customers, view-only staff and guests', async () => {
      const product = await createProduct(call);
      const body = {
        translations: { tr: { name: 'Yasak' } },
        variants: [{ sku: uniqueSku(), basePrice: '1' }],
      };
      for (const auth of [customer, support]) {
        expectProblem(await call('POST', '/products', { auth, payload: body }), 403, 'auth.forbidden');
        expectProblem(
          await call('PATCH', `/products/${product.id}`, { auth, payload: { status: 'active' } }),
          403,
          'auth.forbidden',
        );
        expectProblem(await call('DELETE', `/products/${product.id}`, { auth }), 403, 'auth.forbidden');
        expectProblem(
          await call('POST', `/products/${product.id}/variants`, {
            auth,
            payload: { sku: uniqueSku(), basePrice: '1' },
          }),
          403,
          'auth.forbidden',
        );
      }
      expectProblem(
        await call('POST', '/products', { auth: null, payload: body }),
        401,
        'auth.unauthenticated',
      );
      expect((await call('GET', `/products/${product.id}`)).json()).toMatchObject({ status: 'draft' });
    });

    it('answers another tenant’s product ids with 404', async () => {
      const product = await createProduct(call, {
        status: 'active',
        translations: { tr: { name: 'Kiracı Ürünü' } },
      });
      expect(product.slug).toBe('kiraci-urunu');
      const other = await otherTenantAdmin(t, 'baska-firma');
      for (const [method, url, payload] of [
        ['GET', `/products/${product.id}`, undefined],
        ['GET', `/products/${product.slug}`, undefined],
        ['PATCH', `/products/${product.id}`, { status: 'draft' }],
        ['DELETE', `/products/${product.id}`, undefined],
        ['POST', `/products/${product.id}/variants`, { sku: uniqueSku(), basePrice: '1' }],
        ['PATCH', `/products/${product.id}/variants/${product.variants[0]!.id}`, { basePrice: '1' }],
      ] as const) {
        expectProblem(await call(method, url, { auth: other, payload }), 404, 'catalog.product_not_found');
      }
      // The other tenant may use the same SKU and slug: uniqueness is per tenant.
      const theirs = await createProduct(
        call,
        {
          translations: { tr: { name: product.name } },
          variants: [{ sku: product.variants[0]!.sku, basePrice: '1' }],
        },
        other,
      );
      expect(theirs.slug).toBe(product.slug);
      expect((await call('GET', `/products/${product.id}`)).json()).toMatchObject({ status: 'active' });
    });
  });
});
