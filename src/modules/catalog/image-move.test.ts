import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { createProduct, insertFile, type ProductBody } from '../../../test/catalog.js';
import { apiCaller } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';

// Found by the fuzz test: a PATCH of an image with only `position` updated no column and failed as 500.
describe('moving a product image', () => {
  let t: TestApp;
  let admin: SignedIn;
  const call = apiCaller(
    () => t.app,
    () => admin,
  );
  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
  });
  afterAll(() => t?.close());

  it('takes a patch of the position alone', async () => {
    const product = await createProduct(call);
    const files = [await insertFile(t), await insertFile(t), await insertFile(t)];
    const images: { id: string }[] = [];
    for (const fileId of files) {
      const added = await call('POST', `/products/${product.id}/images`, { payload: { fileId } });
      expect(added.statusCode, added.body).toBe(201);
      images.push(added.json());
    }
    const moved = await call('PATCH', `/products/${product.id}/images/${images[0]?.id}`, {
      payload: { position: 2 },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ id: images[0]?.id, position: 2 });
    const after = (await call('GET', `/products/${product.id}`)).json() as ProductBody;
    expect(after.images.map((image) => image.fileId)).toEqual([files[1], files[2], files[0]]);
  });
});
