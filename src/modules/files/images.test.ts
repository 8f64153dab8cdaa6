import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';
import { withTx } from '../../db/tx.js';
import { systemContext } from '../../kernel/context.js';
import type { AppError } from '../../kernel/errors.js';
import { JobRunner } from '../../kernel/jobs/runner.js';
import { multipartBody, sampleImage, samplePdf, waitFor } from './fixtures.js';
import { requireImageFile } from './index.js';

interface FileBody {
  id: string;
  status: string;
  width: number | null;
  height: number | null;
  urls: { original: string; thumb: string | null; medium: string | null; large: string | null } | null;
}

// What the EXIF of a phone photo typically carries: who, what camera, and where it was taken.
const PHONE_EXIF = {
  IFD0: { Make: 'Telefonx', Model: 'Model 7', Artist: 'Ayse Yilmaz', Copyright: 'Kisisel' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '41/1 1/1 0/1',
    GPSLongitudeRef: 'E',
    GPSLongitude: '28/1 58/1 0/1',
  },
};

describe('image variants', () => {
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await new JobRunner(t.runtime, t.metrics).start();
  });
  afterAll(() => t?.close());

  async function upload(filePurpose: string, data: Buffer, name: string, visibility?: string) {
    const { payload, headers } = multipartBody([
      { name: 'purpose', value: filePurpose },
      ...(visibility ? [{ name: 'visibility', value: visibility }] : []),
      { name: 'file', filename: name, contentType: 'image/jpeg', data },
    ]);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...admin.auth, ...headers },
      payload,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as FileBody;
  }

  const metadataOf = (id: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/files/${id}`, headers: admin.auth });

  /** Waits until the resize job has finished with the file, and returns its metadata. */
  const settled = (id: string) =>
    waitFor(async () => {
      const body = (await metadataOf(id)).json() as FileBody;
      return body.status === 'processing' ? undefined : body;
    });

  const fetchBytes = async (url: string) => {
    const response = await t.app.inject({ method: 'GET', url });
    expect(response.statusCode, url).toBe(200);
    return response;
  };

  it('makes webp thumb, medium and large variants by the longest side, without metadata', async () => {
    const original = await sampleImage('jpeg', 2000, 1000, { exif: PHONE_EXIF });
    // The fixture really carries the private data the variants must lose.
    const originalExif = (await sharp(original).metadata()).exif;
    expect(originalExif?.toString('latin1')).toContain('Ayse Yilmaz');
    // The GPS IFD pointer (tag 0x8825), in either byte order.
    expect(
      originalExif!.includes(Buffer.from([0x88, 0x25])) || originalExif!.includes(Buffer.from([0x25, 0x88])),
    ).toBe(true);

    const file = await upload('image', original, 'telefon.jpg');
    expect(file).toMatchObject({ status: 'processing', width: 2000, height: 1000 });
    const ready = await settled(file.id);
    expect(ready.status).toBe('ready');

    const expected = { thumb: [200, 100], medium: [800, 400], large: [1600, 800] } as const;
    for (const [name, [width, height]] of Object.entries(expected)) {
      const url = ready.urls![name as keyof typeof expected];
      expect(url, name).toMatch(new RegExp(`-[0-9a-f]{16}-${name}\\.webp$`));
      const response = await fetchBytes(url!);
      expect(response.headers['content-type']).toBe('image/webp');
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const meta = await sharp(response.rawPayload).metadata();
      expect({ name, format: meta.format, width: meta.width, height: meta.height }).toEqual({
        name,
        format: 'webp',
        width,
        height,
      });
      expect(meta.exif, `${name} keeps no EXIF`).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(response.rawPayload.toString('latin1')).not.toContain('Ayse Yilmaz');
    }

    // The original is kept exactly as uploaded.
    expect((await fetchBytes(ready.urls!.original)).rawPayload).toEqual(original);
    const [row] = await t.ownerQuery<{ variants: { name: string; sizeBytes: number; key: string }[] }>(
      'SELECT variants FROM files WHERE id = $1',
      [file.id],
    );
    expect(row!.variants.map((v) => v.name)).toEqual(['thumb', 'medium', 'large']);
    for (const variant of row!.variants) {
      expect(readFileSync(path.join(t.runtime.config.files.dir, variant.key)).length).toBe(variant.sizeBytes);
    }
  });

  it('never enlarges a small image', async () => {
    const file = await upload('image', await sampleImage('png', 300, 150), 'kucuk.png');
    const ready = await settled(file.id);
    const sizes = [];
    for (const name of ['thumb', 'medium', 'large'] as const) {
      const meta = await sharp((await fetchBytes(ready.urls![name]!)).rawPayload).metadata();
      sizes.push([meta.width, meta.height]);
    }
    expect(sizes).toEqual([
      [200, 100],
      [300, 150],
      [300, 150],
    ]);
  });

  it('turns a photo upright by its EXIF orientation before dropping the EXIF', async () => {
    // Stored 400×200, to be shown rotated a quarter turn: 200×400.
    const rotated = await sampleImage('jpeg', 400, 200, { orientation: 6 });
    const file = await upload('image', rotated, 'dik.jpg');
    expect(file).toMatchObject({ width: 200, height: 400 });
    const ready = await settled(file.id);
    const thumb = await sharp((await fetchBytes(ready.urls!.thumb!)).rawPayload).metadata();
    expect([thumb.width, thumb.height, thumb.orientation]).toEqual([100, 200, undefined]);
  });

  it('makes private variants of private images, reachable through signed links only', async () => {
    const file = await upload('image', await sampleImage('webp', 500, 500), 'ozel.webp', 'private');
    await settled(file.id);
    const [row] = await t.ownerQuery<{ variants: { name: string; key: string }[] }>(
      'SELECT variants FROM files WHERE id = $1',
      [file.id],
    );
    const thumbKey = row!.variants.find((v) => v.name === 'thumb')!.key;
    const publicTry = await t.app.inject({ method: 'GET', url: `/api/v1/files/public/${thumbKey}` });
    expect(publicTry.statusCode).toBe(404);
    const link = await t.app.inject({
      method: 'POST',
      url: `/api/v1/files/${file.id}/signed-url?variant=thumb`,
      headers: admin.auth,
    });
    expect(link.statusCode).toBe(200);
    const thumb = await fetchBytes((link.json() as { url: string }).url);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await sharp(thumb.rawPayload).metadata()).width).toBe(200);
  });

  it('marks an image that cannot be decoded as failed, without retrying for ever', async () => {
    // A real JPEG header with its picture data cut short: readable at upload, broken when decoded.
    const jpeg = await sampleImage('jpeg', 800, 600);
    const damaged = Buffer.concat([jpeg.subarray(0, Math.floor(jpeg.length / 3)), Buffer.alloc(64, 0x00)]);
    const file = await upload('image', damaged, 'yarim.jpg');
    const done = await settled(file.id);
    expect(done.status).toBe('failed');
    expect(done.urls).toMatchObject({ thumb: null, medium: null, large: null });
  });

  it('lets other modules require an image by id', async () => {
    const tenantId = await t.tenantId('demo');
    const image = await upload('image', await sampleImage('png'), 'urun.png');
    const { payload, headers } = multipartBody([
      { name: 'purpose', value: 'document' },
      { name: 'file', filename: 'a.pdf', contentType: 'application/pdf', data: samplePdf() },
    ]);
    const document = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/files',
        headers: { ...admin.auth, ...headers },
        payload,
      })
    ).json() as { id: string };
    const attempt = (id: string) =>
      withTx(systemContext(t.runtime, tenantId), (tx) => requireImageFile(tx, id)).then(
        (row) => row.id,
        (error: AppError) => `${error.status} ${error.code}`,
      );
    expect(await attempt(image.id)).toBe(image.id);
    expect(await attempt(document.id)).toBe('409 files.not_an_image');
    expect(await attempt('0190a000-0000-7000-8000-000000000000')).toBe('404 files.not_found');
  });
});
