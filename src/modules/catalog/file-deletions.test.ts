import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { createProduct } from '../../../test/catalog.js';
import { apiCaller } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';
import { JobRunner } from '../../kernel/jobs/runner.js';
import { multipartBody, sampleImage, waitFor } from '../files/fixtures.js';

describe('deleting a file that is a product image', () => {
  let t: TestApp;
  let admin: SignedIn;
  const call = apiCaller(
    () => t.app,
    () => admin,
  );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await new JobRunner(t.runtime, t.metrics).start();
  });
  afterAll(() => t?.close());

  async function uploadImage(): Promise<string> {
    const { payload, headers } = multipartBody([
      { name: 'purpose', value: 'image' },
      {
        name: 'file',
        filename: 'kutu.png',
        contentType: 'image/png',
        data: await sampleImage('png', 40, 30),
      },
    ]);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...admin.auth, ...headers },
      payload,
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }

  it('takes the image off every product that shows it, and audits that', async () => {
    const [kept, removed] = [await uploadImage(), await uploadImage()];
    const product = await createProduct(call, { status: 'active' });
    const other = await createProduct(call, { status: 'active' });
    for (const fileId of [removed, kept]) {
      const added = await call('POST', `/products/${product.id}/images`, { payload: { fileId } });
      expect(added.statusCode, added.body).toBe(201);
    }
    const onOther = await call('POST', `/products/${other.id}/images`, { payload: { fileId: removed } });
    expect(onOther.statusCode, onOther.body).toBe(201);

    const deleted = await call('DELETE', `/files/${removed}`);
    expect(deleted.statusCode, deleted.body).toBe(204);

    // Pages hide a deleted file's image at once; the job then removes the links themselves.
    await waitFor(async () => {
      const [row] = await t.ownerQuery<{ n: string }>(
        'SELECT count(*) AS n FROM product_images WHERE file_id = $1',
        [removed],
      );
      return Number(row!.n) === 0 ? true : undefined;
    });
    const page = (await call('GET', `/products/${product.id}`)).json() as {
      images: { fileId: string; position: number }[];
    };
    expect(page.images).toEqual([expect.objectContaining({ fileId: kept, position: 0 })]);
    expect((await call('GET', `/products/${other.id}`)).json().images).toEqual([]);
    const trail = await t.ownerQuery<{ action: string; actor_type: string }>(
      "SELECT action, actor_type FROM audit_logs WHERE action = 'product_image.deleted'",
    );
    expect(trail).toEqual([
      { action: 'product_image.deleted', actor_type: 'system' },
      { action: 'product_image.deleted', actor_type: 'system' },
    ]);
  });
});
