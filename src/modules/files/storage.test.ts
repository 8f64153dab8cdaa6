import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { type FakeS3, startFakeS3 } from '../../../test/fake-s3.js';
import { expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, signIn } from '../../../test/identity.js';
import { type ConfigError, loadConfig, type S3Config } from '../../config.js';
import { multipartBody, sampleImage, samplePdf } from './fixtures.js';
import { createStorageDriver, type StorageDriver, StorageError } from './storage/driver.js';
import { LocalDiskStorage } from './storage/local.js';
import { S3Storage } from './storage/s3.js';
import { authorizationHeader, EMPTY_SHA256 } from './storage/sigv4.js';

const ACCESS_KEY = 'AKIACARSITEST000001';
const SECRET_KEY = 'c2VjcmV0LWtleS1mb3ItdGhlLWZha2UtczMtMDAx';
const BUCKET = 'carsi-files';
const REGION = 'eu-central-1';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('AWS Signature Version 4', () => {
  it('matches the example in the S3 documentation (GET Object with a Range header)', () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
    const authorization = authorizationHeader(
      {
        method: 'GET',
        path: '/test.txt',
        headers: {
          Host: 'examplebucket.s3.amazonaws.com',
          Range: 'bytes=0-9',
          'x-amz-content-sha256': EMPTY_SHA256,
          'x-amz-date': '20130524T000000Z',
        },
        payloadHash: EMPTY_SHA256,
      },
      {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        region: 'us-east-1',
        service: 's3',
      },
      new Date(Date.UTC(2013, 4, 24)),
    );
    expect(authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });
});

/** The same behaviour is asked of both drivers. */
function driverContract(name: string, make: () => StorageDriver) {
  describe(`${name} driver`, () => {
    it('puts buffers and streams, gets them back, tells whether they exist, and deletes them', async () => {
      const driver = make();
      const key = `tenant-a/${name}-buffer.pdf`;
      const bytes = samplePdf();
      await driver.put(key, bytes, { contentType: 'application/pdf', cacheControl: 'private, no-store' });
      expect(await driver.exists(key)).toBe(true);
      const got = await driver.get(key);
      expect(got?.size).toBe(bytes.length);
      expect(await buffer(got!.body)).toEqual(bytes);

      const streamed = Buffer.alloc(300_000, 7);
      const streamKey = `tenant-a/${name}-stream.bin`;
      await driver.put(
        streamKey,
        Readable.from([streamed.subarray(0, 100_000), streamed.subarray(100_000)]),
        {
          contentType: 'application/octet-stream',
          cacheControl: 'private, no-store',
          size: streamed.length,
          sha256: sha256(streamed),
        },
      );
      expect(await buffer((await driver.get(streamKey))!.body)).toEqual(streamed);

      await driver.delete(key);
      expect(await driver.exists(key)).toBe(false);
      expect(await driver.get(key)).toBeNull();
      await driver.delete(key); // deleting twice is fine: deletions are retried
    });

    it('refuses keys that could leave the storage root', async () => {
      const driver = make();
      for (const key of ['../escape.txt', 'a/../../b', '/absolute', 'a//b', 'a/./b', 'sp ace', 'a\\b', '']) {
        await expect(
          driver.put(key, Buffer.from('x'), { contentType: 'text/plain', cacheControl: 'x' }),
        ).rejects.toThrow(StorageError);
        await expect(driver.get(key)).rejects.toThrow(StorageError);
      }
    });
  });
}

describe('storage drivers', () => {
  let s3: FakeS3;
  const localRoot = mkdtempSync(path.join(tmpdir(), 'carsi-storage-'));
  const config: S3Config = {
    bucket: BUCKET,
    endpoint: '',
    region: REGION,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
    forcePathStyle: true,
  };

  beforeAll(async () => {
    s3 = await startFakeS3({ bucket: BUCKET, region: REGION, credentials: { [ACCESS_KEY]: SECRET_KEY } });
    config.endpoint = s3.endpoint;
  });
  afterAll(async () => {
    await s3?.close();
    rmSync(localRoot, { recursive: true, force: true });
  });

  driverContract('local', () => new LocalDiskStorage(localRoot));
  driverContract('s3', () => new S3Storage(config));

  it('local: leaves no partial file behind when a stream fails midway', async () => {
    const driver = new LocalDiskStorage(localRoot);
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(
      driver.put('tenant-b/broken.bin', failing, { contentType: 'x', cacheControl: 'x' }),
    ).rejects.toThrow(StorageError);
    expect(existsSync(path.join(localRoot, 'tenant-b'))).toBe(true);
    expect(readdirSync(path.join(localRoot, 'tenant-b'))).toEqual([]);
  });

  it('s3: sends the content type and cache headers, signed, to the bucket by path', async () => {
    const driver = new S3Storage(config);
    const bytes = Buffer.from('public image bytes');
    await driver.put('tenant-a/logo.png', bytes, {
      contentType: 'image/png',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    expect(s3.objects.get('tenant-a/logo.png')).toEqual({
      body: bytes,
      contentType: 'image/png',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    const put = s3.requests.at(-1)!;
    expect(put).toMatchObject({ method: 'PUT', bucket: BUCKET, key: 'tenant-a/logo.png', status: 200 });
    expect(String(put.headers.authorization)).toMatch(
      /SignedHeaders=cache-control;content-type;host;x-amz-content-sha256;x-amz-date,/,
    );
  });

  it('s3: a wrong secret is refused by the signature check, and nothing is stored', async () => {
    const driver = new S3Storage({ ...config, secretAccessKey: 'not-the-secret' });
    await expect(
      driver.put('tenant-a/forged.pdf', samplePdf(), { contentType: 'application/pdf', cacheControl: 'x' }),
    ).rejects.toThrow(/403 SignatureDoesNotMatch/);
    expect(s3.objects.has('tenant-a/forged.pdf')).toBe(false);
    await expect(driver.get('tenant-a/logo.png')).rejects.toThrow(/403 SignatureDoesNotMatch/);
    await expect(
      new S3Storage({ ...config, accessKeyId: 'AKIAUNKNOWN' }).exists('tenant-a/logo.png'),
    ).rejects.toThrow(/403/);
  });

  it('s3: a body that does not match its signed hash is refused', async () => {
    const driver = new S3Storage(config);
    const body = Buffer.from('the bytes that were hashed');
    await expect(
      driver.put('tenant-a/swapped.bin', Readable.from([Buffer.from('other bytes, same length!!')]), {
        contentType: 'x',
        cacheControl: 'x',
        size: body.length,
        sha256: sha256(body),
      }),
    ).rejects.toThrow(/XAmzContentSHA256Mismatch/);
    expect(s3.objects.has('tenant-a/swapped.bin')).toBe(false);
  });

  it('s3: a request signed with a clock far off is refused', async () => {
    const driver = new S3Storage(config, () => new Date(Date.now() - 60 * 60 * 1000));
    await expect(driver.get('tenant-a/logo.png')).rejects.toThrow(/RequestTimeTooSkewed/);
  });

  it('s3: addresses buckets by virtual host unless path style is forced', () => {
    const aws = new S3Storage({
      ...config,
      endpoint: 'https://s3.eu-central-1.amazonaws.com',
      forcePathStyle: false,
    });
    expect(aws.urlOf('t/a-0123456789abcdef.jpg').href).toBe(
      'https://carsi-files.s3.eu-central-1.amazonaws.com/t/a-0123456789abcdef.jpg',
    );
    const r2 = new S3Storage({
      ...config,
      endpoint: 'https://acc.r2.cloudflarestorage.com',
      forcePathStyle: true,
    });
    expect(r2.urlOf('t/a.jpg').href).toBe('https://acc.r2.cloudflarestorage.com/carsi-files/t/a.jpg');
  });
});

describe('storage configuration', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'carsi-config-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores on local disk under the data directory by default', () => {
    const config = loadConfig({
      CARSI_DATA_DIR: dataDir,
      JWT_SECRET: 'x'.repeat(32),
      DATABASE_APP_PASSWORD: 'p',
    });
    expect(config.files).toMatchObject({
      dir: path.join(dataDir, 'files'),
      s3: null,
      maxBytes: { image: 10 * 1024 * 1024, document: 20 * 1024 * 1024, import: 20 * 1024 * 1024 },
      signedUrlTtlSeconds: 300,
    });
    expect(createStorageDriver(config).name).toBe('local');
  });

  it('uses S3 when a bucket and its credentials are set', () => {
    const config = loadConfig({
      CARSI_DATA_DIR: dataDir,
      JWT_SECRET: 'x'.repeat(32),
      DATABASE_APP_PASSWORD: 'p',
      S3_BUCKET: 'urun-gorselleri',
      S3_REGION: 'auto',
      S3_ENDPOINT: 'https://acc.r2.cloudflarestorage.com/',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
    });
    expect(config.files.s3).toEqual({
      bucket: 'urun-gorselleri',
      endpoint: 'https://acc.r2.cloudflarestorage.com',
      region: 'auto',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: false,
    });
    expect(createStorageDriver(config).name).toBe('s3');
  });

  it('lists every incomplete or wrong storage setting at once', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ CARSI_DATA_DIR: dataDir, ...env });
      } catch (error) {
        return (error as ConfigError).problems.map((p) => p.split(':')[0]);
      }
      return [];
    };
    expect(
      problems({ S3_BUCKET: 'Bad_Bucket', S3_FORCE_PATH_STYLE: 'yes', FILES_MAX_IMAGE_BYTES: '10MB' }),
    ).toEqual([
      'FILES_MAX_IMAGE_BYTES',
      'S3_FORCE_PATH_STYLE',
      'S3_BUCKET',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
    ]);
    expect(problems({ S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' })).toEqual(['S3_BUCKET']);
  });
});

describe('the API on S3 storage', () => {
  let s3: FakeS3;
  let t: TestApp;
  let broken: TestApp;

  beforeAll(async () => {
    s3 = await startFakeS3({ bucket: BUCKET, region: REGION, credentials: { [ACCESS_KEY]: SECRET_KEY } });
    const env = {
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: REGION,
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: SECRET_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    };
    t = await createTestApp({ env });
    broken = await createTestApp({ env: { ...env, S3_SECRET_ACCESS_KEY: 'rotated-without-telling-us' } });
  });
  afterAll(async () => {
    await t?.close();
    await broken?.close();
    await s3?.close();
  });

  const upload = async (app: TestApp, filePurpose: string, data: Buffer) => {
    const admin = await signIn(app.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    const { payload, headers } = multipartBody([
      { name: 'purpose', value: filePurpose },
      { name: 'file', filename: 'x', contentType: 'application/octet-stream', data },
    ]);
    return app.app.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...admin.auth, ...headers },
      payload,
    });
  };

  it('stores uploads in the bucket with their cache headers, and serves them from there', async () => {
    const png = await sampleImage('png', 20, 20);
    const response = await upload(t, 'image', png);
    expect(response.statusCode, response.body).toBe(201);
    const { urls } = response.json() as { urls: { original: string } };
    const key = urls.original.replace('/api/v1/files/public/', '');
    expect(s3.objects.get(key)).toEqual({
      body: png,
      contentType: 'image/png',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    expect(existsSync(t.runtime.config.files.dir)).toBe(false);

    const served = await t.app.inject({ method: 'GET', url: urls.original });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload).toEqual(png);
    expect(served.headers['content-length']).toBe(String(png.length));

    const document = await upload(t, 'document', samplePdf());
    const documentKey = [...s3.objects.keys()].find((k) => k.endsWith('.pdf'))!;
    expect(document.statusCode).toBe(201);
    expect(s3.objects.get(documentKey)?.cacheControl).toBe('private, no-store');
  });

  it('answers 503 and keeps no row when the bucket refuses the upload', async () => {
    const before = s3.objects.size;
    const response = await upload(broken, 'document', samplePdf());
    expectProblem(response, 503, 'files.storage_unavailable');
    expect(s3.objects.size).toBe(before);
    expect(await broken.ownerQuery('SELECT id FROM files')).toEqual([]);
    expect(readdirSync(broken.runtime.config.files.tmpDir)).toEqual([]);
  });
});
