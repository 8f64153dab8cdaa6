import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';
import {
  type ImageFormat,
  multipartBody,
  type Part,
  sampleCsv,
  sampleExe,
  sampleImage,
  samplePdf,
  streamingUpload,
} from './fixtures.js';

interface FileBody {
  id: string;
  purpose: string;
  visibility: string;
  status: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  originalName: string | null;
  width: number | null;
  height: number | null;
  urls: { original: string } | null;
}

describe('file uploads', () => {
  let t: TestApp;
  let admin: SignedIn;
  let customer: SignedIn;
  let filesDir: string;
  let tmpDir: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await makeUser(t, {
      email: 'bayi@yukle.test',
      password: 'Dosya-Gonderen-77!',
      kind: 'customer',
      roles: ['dealer_owner'],
    });
    customer = await signIn(t.app, 'bayi@yukle.test', 'Dosya-Gonderen-77!');
    filesDir = t.runtime.config.files.dir;
    tmpDir = t.runtime.config.files.tmpDir;
  });
  afterAll(() => t?.close());

  const upload = (parts: Part[], auth: Record<string, string> | null = admin.auth) => {
    const { payload, headers } = multipartBody(parts);
    return t.app.inject({ method: 'POST', url: '/api/v1/files', headers: { ...auth, ...headers }, payload });
  };
  const file = (data: Buffer, filename: string, contentType = 'application/octet-stream'): Part => ({
    name: 'file',
    filename,
    contentType,
    data,
  });
  const purpose = (value: string): Part => ({ name: 'purpose', value });

  const storedFiles = () =>
    existsSync(filesDir)
      ? readdirSync(filesDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      : [];
  const tmpFiles = () => (existsSync(tmpDir) ? readdirSync(tmpDir) : []);
  const fileRows = async () =>
    (await t.ownerQuery<{ n: number }>('SELECT count(*)::int AS n FROM files'))[0]!.n;

  /** Runs `act`, and checks it stored nothing: no row, no bytes, no temporary file left. */
  async function expectNothingStored(act: () => Promise<void>) {
    const rowsBefore = await fileRows();
    const bytesBefore = storedFiles().length;
    await act();
    expect(await fileRows()).toBe(rowsBefore);
    expect(storedFiles()).toHaveLength(bytesBefore);
    expect(tmpFiles()).toEqual([]);
  }

  it.each([
    ['jpeg', 'image/jpeg', 'jpg'],
    ['png', 'image/png', 'png'],
    ['webp', 'image/webp', 'webp'],
    ['avif', 'image/avif', 'avif'],
  ] as const)('stores a %s image, typed by its bytes, public by default', async (format, type, ext) => {
    const bytes = await sampleImage(format as ImageFormat, 64, 48);
    const response = await upload([purpose('image'), file(bytes, `urun.${ext}`, 'image/x-anything')]);
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as FileBody;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const tenantId = await t.tenantId('demo');
    expect(body).toMatchObject({
      purpose: 'image',
      visibility: 'public',
      status: 'processing',
      contentType: type,
      sizeBytes: bytes.length,
      sha256,
      originalName: `urun.${ext}`,
      width: 64,
      height: 48,
    });
    const key = `${tenantId}/${body.id}-${sha256.slice(0, 16)}.${ext}`;
    expect(body.urls?.original).toBe(`/api/v1/files/public/${key}`);
    expect(readFileSync(path.join(filesDir, key))).toEqual(bytes);

    const [audit] = await t.ownerQuery<{ action: string; actor_type: string }>(
      'SELECT action, actor_type FROM audit_logs WHERE entity_id = $1',
      [body.id],
    );
    expect(audit).toEqual({ action: 'file.uploaded', actor_type: 'user' });
    expect(tmpFiles()).toEqual([]);
  });

  it('lets only staff who edit the catalog make a file public; imports never', async () => {
    const visibility = (value: string): Part => ({ name: 'visibility', value });
    await expectNothingStored(async () => {
      const byCustomer = await upload(
        [purpose('document'), visibility('public'), file(samplePdf(), 'kampanya.pdf')],
        customer.auth,
      );
      expectProblem(byCustomer, 403, 'files.publish_forbidden');
      expect(byCustomer.json()).toMatchObject({ permission: 'products.edit', field: 'visibility' });
      const importFile = await upload([
        purpose('import'),
        visibility('public'),
        file(Buffer.from('sku,name\nA-1,Kutu\n'), 'urunler.csv', 'text/csv'),
      ]);
      expectProblem(importFile, 400, 'files.never_public');
    });
    // The customer's own document, private, is accepted; staff holding products.edit publish one.
    const own = await upload([purpose('document'), file(samplePdf(), 'vergi.pdf')], customer.auth);
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json().visibility).toBe('private');
    const published = await upload([
      purpose('document'),
      visibility('public'),
      file(samplePdf(), 'katalog.pdf'),
    ]);
    expect(published.statusCode, published.body).toBe(201);
    expect(published.json().visibility).toBe('public');
  });

  it('stores a PDF document and a CSV import as private, ready files', async () => {
    const pdf = await upload([purpose('document'), file(samplePdf(), 'vergi-levhası.pdf')]);
    expect(pdf.statusCode, pdf.body).toBe(201);
    expect(pdf.json()).toMatchObject({
      contentType: 'application/pdf',
      visibility: 'private',
      status: 'ready',
      originalName: 'vergi-levhası.pdf',
      urls: null,
      width: null,
    });
    expect((pdf.json() as FileBody).sha256).toBe(createHash('sha256').update(samplePdf()).digest('hex'));

    const csv = await upload([
      purpose('import'),
      file(sampleCsv(), 'urunler.csv', 'application/vnd.ms-excel'),
    ]);
    expect(csv.statusCode, csv.body).toBe(201);
    expect(csv.json()).toMatchObject({ contentType: 'text/csv', visibility: 'private', status: 'ready' });
    expect((csv.json() as FileBody).urls).toBeNull();
  });

  it('takes the type from the bytes: a PNG sent as photo.jpg with image/jpeg is a PNG', async () => {
    const png = await sampleImage('png');
    const response = await upload([purpose('image'), file(png, 'photo.jpg', 'image/jpeg')]);
    expect(response.statusCode).toBe(201);
    const body = response.json() as FileBody;
    expect(body.contentType).toBe('image/png');
    expect(body.urls?.original).toMatch(/\.png$/);
  });

  it('honours an explicit visibility, and strips directories from the file name', async () => {
    const response = await upload([
      purpose('image'),
      { name: 'visibility', value: 'private' },
      file(await sampleImage('webp'), '../../etc/katalog\u0007.webp'),
    ]);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      visibility: 'private',
      originalName: 'katalog.webp',
      urls: null,
    });
  });

  it('refuses an executable named photo.jpg (415) and stores nothing', async () => {
    await expectNothingStored(async () => {
      const response = await upload([purpose('image'), file(sampleExe(), 'photo.jpg', 'image/jpeg')]);
      expectProblem(response, 415, 'files.unsupported_type');
      expect(response.json()).toMatchObject({
        accepted: ['image/jpeg', 'image/png', 'image/webp', 'image/avif'],
      });
    });
  });

  it.each([
    ['a PDF as an image', 'image', () => samplePdf()],
    ['a JPEG as a document', 'document', () => sampleImage('jpeg')],
    ['a JPEG as an import', 'import', () => sampleImage('jpeg')],
    ['text with a NUL byte as an import', 'import', () => Buffer.from('sku;ad\nA\u0000;B\n')],
    ['invalid UTF-8 as an import', 'import', () => Buffer.from([0x73, 0x6b, 0x75, 0x3b, 0xc3, 0x28, 0x0a])],
    ['CSV text as an image', 'image', () => sampleCsv()],
  ])('refuses %s (415)', async (_label, filePurposeName, make) => {
    const data = await make();
    await expectNothingStored(async () => {
      expectProblem(
        await upload([purpose(filePurposeName), file(data, 'x.csv')]),
        415,
        'files.unsupported_type',
      );
    });
  });

  it('refuses a 100 MB image after reading little more than its 10 MB limit (413), storing nothing', async () => {
    await expectNothingStored(async () => {
      const body = streamingUpload('image', 100 * 1024 * 1024);
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/files',
        headers: { ...admin.auth, ...body.headers },
        payload: body.payload,
      });
      expectProblem(response, 413, 'files.too_large');
      expect(response.json()).toMatchObject({ maxBytes: 10 * 1024 * 1024 });
      expect(response.headers['connection']).toBe('close');
      // Stream buffers between the generator and the parser hold a little more than the limit.
      expect(body.progress.pulled).toBeLessThan(12 * 1024 * 1024);
    });
  });

  it('accepts a file of exactly the limit', async () => {
    // A PNG padded with bytes after its end chunk is still a PNG to the sniffer and to decoders.
    const png = await sampleImage('png', 16, 16);
    const padded = Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024 - png.length)]);
    const response = await upload([purpose('image'), file(padded, 'tam.png')]);
    expect(response.statusCode, response.body).toBe(201);
    expect((response.json() as FileBody).sizeBytes).toBe(10 * 1024 * 1024);
  });

  it('refuses a damaged image whose header cannot be read (422)', async () => {
    const jpeg = await sampleImage('jpeg');
    const broken = Buffer.concat([jpeg.subarray(0, 4), Buffer.alloc(200, 0xee)]);
    await expectNothingStored(async () => {
      expectProblem(await upload([purpose('image'), file(broken, 'bozuk.jpg')]), 422, 'files.invalid_image');
    });
  });

  it('refuses an empty file (400)', async () => {
    await expectNothingStored(async () => {
      expectProblem(
        await upload([purpose('document'), file(Buffer.alloc(0), 'bos.pdf')]),
        400,
        'files.empty',
      );
    });
  });

  it.each([
    ['no file', [purpose('document')], 'file'],
    [
      'no purpose',
      [{ name: 'file', filename: 'a.pdf', contentType: 'application/pdf', data: samplePdf() }],
      'purpose',
    ],
    ['an unknown purpose', [purpose('avatar'), file(samplePdf(), 'a.pdf')], 'purpose'],
    [
      'a bad visibility',
      [purpose('document'), { name: 'visibility', value: 'secret' }, file(samplePdf(), 'a.pdf')],
      'visibility',
    ],
    ['the purpose after the file', [file(samplePdf(), 'a.pdf'), purpose('document')], 'purpose'],
    [
      'an unknown field',
      [{ name: 'owner', value: 'me' }, purpose('document'), file(samplePdf(), 'a.pdf')],
      'owner',
    ],
    [
      'the file under another name',
      [purpose('document'), { ...file(samplePdf(), 'a.pdf'), name: 'upload' }],
      'upload',
    ],
    ['two files', [purpose('document'), file(samplePdf(), 'a.pdf'), file(samplePdf(), 'b.pdf')], 'file'],
  ] as [string, Part[], string][])('answers 400 for %s, naming the field', async (_label, parts, field) => {
    await expectNothingStored(async () => {
      const response = await upload(parts);
      expectProblem(response, 400, 'request.validation_failed');
      expect(response.json()).toMatchObject({ errors: [{ in: 'body', field }] });
    });
  });

  it('answers 415 for a JSON body, and 400 for a malformed multipart body', async () => {
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: admin.auth,
      payload: { purpose: 'document' },
    });
    expectProblem(json, 415, 'request.unsupported_media_type');

    const { payload, headers } = multipartBody([purpose('document'), file(samplePdf(), 'a.pdf')]);
    const truncated = await t.app.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...admin.auth, ...headers },
      payload: payload.subarray(0, payload.length - 60),
    });
    expect(truncated.statusCode, truncated.body).toBe(400);
    expect(tmpFiles()).toEqual([]);
  });

  it('documents the upload form, and the binary answers, in the OpenAPI document', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const paths = (response.json() as { paths: Record<string, Record<string, Record<string, unknown>>> })
      .paths;
    const uploadOperation = paths['/api/v1/files']!['post'] as {
      requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
      security: unknown[];
    };
    expect(Object.keys(uploadOperation.requestBody.content)).toEqual(['multipart/form-data']);
    expect(
      uploadOperation.requestBody.content['multipart/form-data']!.schema.properties['file'],
    ).toMatchObject({
      type: 'string',
      format: 'binary',
    });
    expect(uploadOperation.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    const publicFile = paths['/api/v1/files/public/{path}'];
    expect(publicFile?.['get']).toMatchObject({ security: [] });
    expect(Object.keys(paths).filter((p) => p.startsWith('/api/v1/files'))).toHaveLength(5);
  });

  describe('permissions', () => {
    it('refuses anonymous uploads (401) before reading the body', async () => {
      await expectNothingStored(async () => {
        expectProblem(
          await upload([purpose('document'), file(samplePdf(), 'a.pdf')], null),
          401,
          'auth.unauthenticated',
        );
      });
    });

    it('lets any signed-in customer upload a document, but not an image or an import', async () => {
      const document = await upload([purpose('document'), file(samplePdf(), 'a.pdf')], customer.auth);
      expect(document.statusCode, document.body).toBe(201);
      await expectNothingStored(async () => {
        const image = await upload(
          [purpose('image'), file(await sampleImage('png'), 'a.png')],
          customer.auth,
        );
        expectProblem(image, 403, 'auth.forbidden');
        expect(image.json()).toMatchObject({ permission: 'products.edit' });
        const csv = await upload([purpose('import'), file(sampleCsv(), 'a.csv')], customer.auth);
        expectProblem(csv, 403, 'auth.forbidden');
        expect(csv.json()).toMatchObject({ permission: 'products.create' });
      });
    });

    it('lets an API key upload documents, and images only with products.edit', async () => {
      const create = async (scopes: string[]) => {
        const response = await t.app.inject({
          method: 'POST',
          url: '/api/v1/api-keys',
          headers: admin.auth,
          payload: { name: `Dosya ${scopes.join(',')}`, scopes },
        });
        expect(response.statusCode, response.body).toBe(201);
        return { 'x-api-key': (response.json() as { key: string }).key };
      };
      const ordersOnly = await create(['orders.view']);
      const catalog = await create(['products.edit']);
      expect((await upload([purpose('document'), file(samplePdf(), 'a.pdf')], ordersOnly)).statusCode).toBe(
        201,
      );
      expectProblem(
        await upload([purpose('image'), file(await sampleImage('png'), 'a.png')], ordersOnly),
        403,
        'auth.forbidden',
      );
      expect(
        (await upload([purpose('image'), file(await sampleImage('png'), 'a.png')], catalog)).statusCode,
      ).toBe(201);
    });
  });
});
