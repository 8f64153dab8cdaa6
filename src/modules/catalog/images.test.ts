import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import {
  auditTrail,
  createProduct,
  insertFile,
  otherTenantAdmin,
  type ProductBody,
  uniqueSku,
} from '../../../test/catalog.js';
import { apiCaller, expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';

const PASSWORD = 'Kestane-Şekeri-2024!';

type Image = ProductBody['images'][number];

describe('product images', () => {
  let t: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;
  let other: SignedIn;

  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  async function addImage(productId: string, body: Record<string, unknown>): Promise<Image> {
    const response = await call('POST', `/products/${productId}/images`, { payload: body });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Image;
  }

  async function imageOrder(productId: string): Promise<string[]> {
    const product = (await call('GET', `/products/${productId}`)).json() as ProductBody;
    expect(product.images.map((i) => i.position)).toEqual(product.images.map((_, i) => i));
    return product.images.map((i) => i.fileId);
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
    other = await otherTenantAdmin(t, 'baska-firma');
  });
  afterAll(() => t?.close());

  it('adds images last or at a position, changes, reorders and removes them', async () => {
    const product = await createProduct(call);
    const [a, b, c, d] = [await insertFile(t), await insertFile(t), await insertFile(t), await insertFile(t)];
    const first = await addImage(product.id, { fileId: a, alt: { tr: 'Ön', en: 'Front' } });
    expect(first).toMatchObject({ fileId: a, position: 0, alt: 'Ön', variantId: null });
    expect(first.urls.original).toMatch(/original\.png$/);
    await addImage(product.id, { fileId: b });
    const inserted = await addImage(product.id, { fileId: c, position: 0 });
    expect(inserted.position).toBe(0);
    expect(await imageOrder(product.id)).toEqual([c, a, b]);
    await addImage(product.id, { fileId: d, position: 99 });
    expect(await imageOrder(product.id)).toEqual([c, a, b, d]);

    const moved = await call('PATCH', `/products/${product.id}/images/${first.id}`, {
      payload: { position: 3, alt: { tr: 'Ön yüz' } },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ position: 3, alt: 'Ön yüz' });
    expect(await imageOrder(product.id)).toEqual([c, b, d, a]);

    const ids = ((await call('GET', `/products/${product.id}`)).json() as ProductBody).images.map(
      (i) => i.id,
    );
    const reordered = await call('PUT', `/products/${product.id}/images/order`, {
      payload: { imageIds: [...ids].reverse() },
    });
    expect(reordered.statusCode, reordered.body).toBe(200);
    expect((reordered.json() as { items: Image[] }).items.map((i) => i.fileId)).toEqual([a, d, b, c]);

    for (const imageIds of [
      ids.slice(1),
      [...ids, ids[0]],
      [...ids.slice(1), '0190f5a2-0000-7000-8000-000000000000'],
    ]) {
      const response = await call('PUT', `/products/${product.id}/images/order`, { payload: { imageIds } });
      expect(response.statusCode).toBe(400);
    }
    expect(await imageOrder(product.id)).toEqual([a, d, b, c]);

    expect((await call('DELETE', `/products/${product.id}/images/${first.id}`)).statusCode).toBe(204);
    expect(await imageOrder(product.id)).toEqual([d, b, c]);
    expectProblem(
      await call('DELETE', `/products/${product.id}/images/${first.id}`),
      404,
      'catalog.image_not_found',
    );
    expect((await auditTrail(t, 'product_image', first.id)).map((e) => e.action)).toEqual([
      'product_image.created',
      'product_image.updated',
      'product_image.deleted',
    ]);
  });

  it('accepts only public image uploads of this tenant', async () => {
    const product = await createProduct(call);
    const cases = [
      await insertFile(t, { visibility: 'private' }),
      await insertFile(t, { purpose: 'document' }),
      await insertFile(t, { status: 'failed' }),
      await insertFile(t, { deleted: true }),
      await insertFile(t, { tenant: 'baska-firma' }),
      '0190f5a2-0000-7000-8000-000000000000',
    ];
    for (const fileId of cases) {
      const response = await call('POST', `/products/${product.id}/images`, { payload: { fileId } });
      expectProblem(response, 400, 'catalog.invalid_image');
      expect(response.json()).toMatchObject({ errors: [{ in: 'body', field: 'fileId' }] });
    }
    const inCreate = await call('POST', '/products', {
      payload: {
        translations: { tr: { name: 'Resimli' } },
        variants: [{ sku: uniqueSku(), basePrice: '1' }],
        images: [{ fileId: await insertFile(t) }, { fileId: cases[0] }],
      },
    });
    expectProblem(inCreate, 400, 'catalog.invalid_image');
    expect(inCreate.json()).toMatchObject({ errors: [{ field: 'images/1/fileId' }] });
    // A file still being resized is fine: its variant URLs are null until they exist.
    const processing = await addImage(product.id, { fileId: await insertFile(t, { status: 'processing' }) });
    expect(processing.urls.thumb).toBeNull();
  });

  it('ties images to variants of the same product only, and drops them with their variant', async () => {
    const sku = uniqueSku();
    const product = await createProduct(call, {
      variants: [
        { sku, basePrice: '1' },
        { sku: uniqueSku(), basePrice: '2' },
      ],
    });
    const other = await createProduct(call);
    const variant = product.variants.find((v) => v.sku === sku)!;
    const wrong = await call('POST', `/products/${product.id}/images`, {
      payload: { fileId: await insertFile(t), variantId: other.variants[0]!.id },
    });
    expectProblem(wrong, 400, 'catalog.invalid_reference');
    expect(wrong.json()).toMatchObject({ errors: [{ field: 'variantId' }] });
    const unknownSku = await call('POST', '/products', {
      payload: {
        translations: { tr: { name: 'X' } },
        variants: [{ sku: uniqueSku(), basePrice: '1' }],
        images: [{ fileId: await insertFile(t), variantSku: 'BASKA-SKU' }],
      },
    });
    expectProblem(unknownSku, 400, 'catalog.invalid_reference');

    const image = await addImage(product.id, { fileId: await insertFile(t), variantId: variant.id });
    const general = await addImage(product.id, { fileId: await insertFile(t) });
    expect(image.variantId).toBe(variant.id);
    expect((await call('DELETE', `/products/${product.id}/variants/${variant.id}`)).statusCode).toBe(204);
    const after = (await call('GET', `/products/${product.id}`)).json() as ProductBody;
    expect(after.images.map((i) => i.id)).toEqual([general.id]);
  });

  it('refuses customers and answers another tenant with 404', async () => {
    const product = await createProduct(call);
    const fileId = await insertFile(t);
    expectProblem(
      await call('POST', `/products/${product.id}/images`, { auth: customer, payload: { fileId } }),
      403,
      'auth.forbidden',
    );
    expectProblem(
      await call('POST', `/products/${product.id}/images`, { auth: other, payload: { fileId } }),
      404,
      'catalog.product_not_found',
    );
    expectProblem(
      await call('PUT', `/products/${product.id}/images/order`, { auth: other, payload: { imageIds: [] } }),
      404,
      'catalog.product_not_found',
    );
  });
});
