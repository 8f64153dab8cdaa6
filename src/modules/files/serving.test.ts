import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { expectProblem } from '../../../test/http.js';
import { BOOTSTRAP_ADMIN, makeUser, type SignedIn, signIn } from '../../../test/identity.js';
import { JobRunner } from '../../kernel/jobs/runner.js';
import { multipartBody, sampleCsv, sampleImage, samplePdf, waitFor } from './fixtures.js';
import { signFileToken } from './signed-urls.js';

interface FileBody {
  id: string;
  sha256: string;
  visibility: string;
  urls: { original: string } | null;
}

describe('serving files', () => {
  let t: TestApp;
  let admin: SignedIn;
  let tenantId: string;
  const people: Record<string, SignedIn> = {};

  beforeAll(async () => {
    t = await createTestApp();
    tenantId = await t.tenantId('demo');
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    const accounts = [
      ['ayse', 'customer', ['dealer_owner']],
      ['mehmet', 'customer', ['dealer_owner']],
      ['destek', 'staff', ['customer_service']],
      ['katalog', 'staff', ['content_manager']],
    ] as const;
    for (const [name, kind, roles] of accounts) {
      await makeUser(t, {
        email: `${name}@dosya.test`,
        password: 'Sunucu-Parolasi-19!',
        kind,
        roles: [...roles],
      });
      people[name] = await signIn(t.app, `${name}@dosya.test`, 'Sunucu-Parolasi-19!');
    }
  });
  afterAll(() => t?.close());

  async function upload(
    filePurpose: string,
    data: Buffer,
    name: string,
    auth = admin.auth,
    visibility?: string,
  ) {
    const { payload, headers } = multipartBody([
      { name: 'purpose', value: filePurpose },
      ...(visibility ? [{ name: 'visibility', value: visibility }] : []),
      { name: 'file', filename: name, contentType: 'application/octet-stream', data },
    ]);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/files',
      headers: { ...auth, ...headers },
      payload,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as FileBody;
  }

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers });
  const api = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    auth: Record<string, string> | null = admin.auth,
  ) => t.app.inject({ method, url: `/api/v1${url}`, headers: auth ?? {} });
  const signedUrl = async (id: string, auth = admin.auth, query = '') => {
    const response = await api('POST', `/files/${id}/signed-url${query}`, auth);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { url: string; expiresAt: string };
  };

  describe('public files', () => {
    it('are served by key with immutable caching, their sniffed type, nosniff and an ETag', async () => {
      const png = await sampleImage('png', 40, 30);
      const file = await upload('image', png, 'logo.png');
      const response = await get(file.urls!.original);
      expect(response.statusCode).toBe(200);
      expect(response.rawPayload).toEqual(png);
      expect(response.headers).toMatchObject({
        'content-type': 'image/png',
        'content-length': String(png.length),
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
        'cross-origin-resource-policy': 'cross-origin',
        etag: `"${createHash('sha256').update(png).digest('hex')}"`,
      });
      expect(response.headers['content-encoding']).toBeUndefined();

      // No credentials and no tenant header are needed: the key names the tenant.
      const revalidated = await get(file.urls!.original, { 'if-none-match': String(response.headers.etag) });
      expect(revalidated.statusCode).toBe(304);
      expect(revalidated.body).toBe('');
      expect(revalidated.headers['cache-control']).toBe('public, max-age=31536000, immutable');

      const head = await t.app.inject({ method: 'HEAD', url: file.urls!.original });
      expect(head.statusCode).toBe(200);
      expect(head.headers).toMatchObject({
        'content-type': 'image/png',
        'content-length': String(png.length),
      });
      expect(head.rawPayload.length).toBe(0);
    });

    it('answer 404 for unknown, malformed, private and cross-tenant keys', async () => {
      const file = await upload('image', await sampleImage('jpeg'), 'a.jpg');
      const key = file.urls!.original.replace('/api/v1/files/public/', '');
      const other = '0190a000-0000-7000-8000-000000000000';
      for (const url of [
        `/api/v1/files/public/${key.replace(/-[0-9a-f]{16}\./, '-0000000000000000.')}`, // stale hash
        `/api/v1/files/public/${key.replace(tenantId, other)}`, // another tenant's prefix
        `/api/v1/files/public/${key.replace('.jpg', '-thumb.webp')}`, // variant not made yet
        '/api/v1/files/public/nothing-here.jpg',
      ]) {
        expectProblem(await get(url), 404, 'files.not_found');
      }
      // Dot segments never reach storage: the path is resolved before routing (where another route may
      // ask a guest to sign in first), or the key is refused.
      for (const url of [
        `/api/v1/files/public/${tenantId}/../../secrets.json`,
        `/api/v1/files/public/${tenantId}/%2e%2e/%2e%2e/secrets.json`,
      ]) {
        const response = await get(url);
        expect([400, 401, 404], `${url}: ${response.body}`).toContain(response.statusCode);
      }

      const document = await upload('document', samplePdf(), 'gizli.pdf');
      expect(document.urls).toBeNull();
      const [row] = await t.ownerQuery<{ storage_key: string }>(
        'SELECT storage_key FROM files WHERE id = $1',
        [document.id],
      );
      expect(existsSync(path.join(t.runtime.config.files.dir, row!.storage_key))).toBe(true);
      expectProblem(await get(`/api/v1/files/public/${row!.storage_key}`), 404, 'files.not_found');
    });
  });

  describe('signed links', () => {
    it('serve a private file without credentials until they expire', async () => {
      const pdf = samplePdf();
      const file = await upload('document', pdf, 'Sözleşme şartları.pdf', people['ayse']!.auth);
      const link = await signedUrl(file.id, people['ayse']!.auth);
      const ttl = Date.parse(link.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(290_000);
      expect(ttl).toBeLessThanOrEqual(300_000);
      expect(link.url).toMatch(/^\/api\/v1\/files\/signed\//);

      const response = await get(link.url);
      expect(response.statusCode).toBe(200);
      expect(response.rawPayload).toEqual(pdf);
      expect(response.headers['content-type']).toBe('application/pdf');
      expect(response.headers['cache-control']).toMatch(/^private, max-age=(29\d|300)$/);
      expect(response.headers['content-disposition']).toBe(
        `inline; filename="Sozlesme sartlar.pdf"; filename*=UTF-8''${encodeURIComponent('Sözleşme şartları.pdf')}`,
      );
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    });

    it('send imports as attachments', async () => {
      const file = await upload('import', sampleCsv(), 'urunler.csv');
      const response = await get((await signedUrl(file.id)).url);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      expect(response.headers['content-disposition']).toMatch(/^attachment; filename="urunler.csv"/);
    });

    it('refuse expired and altered links (403)', async () => {
      const file = await upload('document', samplePdf(), 'a.pdf');
      const secret = t.runtime.config.jwtSecret;
      const target = { tenantId, fileId: file.id, variant: null };
      const expired = signFileToken(secret, target, new Date(Date.now() - 1000));
      expectProblem(await get(`/api/v1/files/signed/${expired}`), 403, 'files.link_expired');

      const { url } = await signedUrl(file.id);
      const genuine = Buffer.from(url.split('/').pop()!, 'base64url');
      const otherFile = (await upload('document', samplePdf(), 'b.pdf')).id;
      const altered = (change: (bytes: Buffer) => void) => {
        const bytes = Buffer.from(genuine);
        change(bytes);
        return bytes.toString('base64url');
      };
      for (const token of [
        altered((b) => b.writeUInt32BE(b.readUInt32BE(33) + 3600, 33)), // longer life
        altered((b) => Buffer.from(otherFile.replace(/-/g, ''), 'hex').copy(b, 16)), // another file
        altered((b) => b.writeUInt8(1, 32)), // another rendition (the thumbnail)
        altered((b) => b.writeUInt8(b[40]! ^ 1, 40)), // forged signature
      ]) {
        expectProblem(await get(`/api/v1/files/signed/${token}`), 403, 'files.invalid_link');
      }
      expectProblem(await get('/api/v1/files/signed/not-a-token'), 403, 'files.invalid_link');
      // A link signed with another secret is as good as forged.
      const foreign = signFileToken(
        'another-secret-another-secret-0123',
        target,
        new Date(Date.now() + 60_000),
      );
      expectProblem(await get(`/api/v1/files/signed/${foreign}`), 403, 'files.invalid_link');
    });

    it('stop working when the file is deleted', async () => {
      const file = await upload('document', samplePdf(), 'a.pdf');
      const { url } = await signedUrl(file.id);
      expect((await api('DELETE', `/files/${file.id}`)).statusCode).toBe(204);
      expectProblem(await get(url), 404, 'files.not_found');
    });

    it('name a variant only when it exists', async () => {
      const file = await upload('image', await sampleImage('png'), 'a.png', admin.auth, 'private');
      expectProblem(
        await api('POST', `/files/${file.id}/signed-url?variant=thumb`),
        404,
        'files.variant_not_found',
      );
      expectProblem(
        await api('POST', `/files/${file.id}/signed-url?variant=huge`),
        400,
        'request.validation_failed',
      );
    });
  });

  describe('who may read what', () => {
    it('lets the uploader and staff with customers.view read a private document; other customers get 404', async () => {
      const file = await upload('document', samplePdf(), 'vergi.pdf', people['ayse']!.auth);
      for (const who of ['ayse', 'destek']) {
        const response = await api('GET', `/files/${file.id}`, people[who]!.auth);
        expect(response.statusCode, `${who}: ${response.body}`).toBe(200);
      }
      expect((await api('GET', `/files/${file.id}`)).statusCode).toBe(200); // super_admin holds everything
      for (const who of ['mehmet', 'katalog']) {
        expectProblem(await api('GET', `/files/${file.id}`, people[who]!.auth), 404, 'files.not_found');
        expectProblem(
          await api('POST', `/files/${file.id}/signed-url`, people[who]!.auth),
          404,
          'files.not_found',
        );
      }
      expectProblem(await api('GET', `/files/${file.id}`, null), 401, 'auth.unauthenticated');
    });

    it('shows metadata of public files to anyone signed in', async () => {
      const file = await upload('image', await sampleImage('webp'), 'vitrin.webp');
      const response = await api('GET', `/files/${file.id}`, people['mehmet']!.auth);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        id: file.id,
        purpose: 'image',
        visibility: 'public',
        contentType: 'image/webp',
        originalName: 'vitrin.webp',
        width: 64,
        height: 48,
        urls: { original: file.urls!.original, thumb: null, medium: null, large: null },
      });
    });

    it('lists what one uploaded and what one looks after, by purpose, page by page', async () => {
      const mine = [];
      for (let i = 0; i < 3; i++)
        mine.push((await upload('document', samplePdf(), `m${i}.pdf`, people['mehmet']!.auth)).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/files?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await api('GET', query, people['mehmet']!.auth)).json() as {
          items: { id: string; createdBy: string }[];
          nextCursor: string | null;
        };
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((f) => f.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...mine].reverse());

      // Staff with customers.view see every customer's documents, and no images (no products.edit).
      const staff = (await api('GET', '/files?limit=100', people['destek']!.auth)).json() as {
        items: { id: string; purpose: string }[];
      };
      expect(staff.items.map((f) => f.id)).toEqual(expect.arrayContaining(mine));
      expect(new Set(staff.items.map((f) => f.purpose))).toEqual(new Set(['document']));

      const images = (await api('GET', '/files?purpose=image&limit=100', people['katalog']!.auth)).json() as {
        items: { purpose: string }[];
      };
      expect(images.items.length).toBeGreaterThan(0);
      expect(images.items.every((f) => f.purpose === 'image')).toBe(true);

      expectProblem(
        await api('GET', '/files?cursor=bogus', people['mehmet']!.auth),
        400,
        'request.invalid_cursor',
      );
      expectProblem(await api('GET', '/files?purpose=video'), 400, 'request.validation_failed');
    });
  });

  describe('deletion', () => {
    it('is refused to those who may read but not delete, and 404 to strangers', async () => {
      const file = await upload('document', samplePdf(), 'a.pdf', people['ayse']!.auth);
      expectProblem(await api('DELETE', `/files/${file.id}`, people['destek']!.auth), 403, 'auth.forbidden');
      expectProblem(await api('DELETE', `/files/${file.id}`, people['mehmet']!.auth), 404, 'files.not_found');
      expect((await api('GET', `/files/${file.id}`, people['ayse']!.auth)).statusCode).toBe(200);
    });

    it('hides the file at once, is audited, and removes its bytes through the job', async () => {
      const runner = new JobRunner(t.runtime, t.metrics);
      await runner.start();
      const png = await sampleImage('png', 30, 30);
      const file = await upload('image', png, 'silinecek.png');
      const [row] = await t.ownerQuery<{ storage_key: string }>(
        'SELECT storage_key FROM files WHERE id = $1',
        [file.id],
      );
      const stored = path.join(t.runtime.config.files.dir, row!.storage_key);
      // The variants exist before the deletion, so their removal is checked too.
      const variants = await waitFor(async () => {
        const [r] = await t.ownerQuery<{ variants: { key: string }[] }>(
          'SELECT variants FROM files WHERE id = $1',
          [file.id],
        );
        return r!.variants.length === 3 ? r!.variants : undefined;
      });

      expect((await api('DELETE', `/files/${file.id}`)).statusCode).toBe(204);
      expectProblem(await api('GET', `/files/${file.id}`), 404, 'files.not_found');
      expectProblem(await get(file.urls!.original), 404, 'files.not_found');
      expectProblem(await api('DELETE', `/files/${file.id}`), 404, 'files.not_found');
      const [audit] = await t.ownerQuery<{ action: string }>(
        "SELECT action FROM audit_logs WHERE entity_id = $1 AND action = 'file.deleted'",
        [file.id],
      );
      expect(audit).toEqual({ action: 'file.deleted' });

      await waitFor(() => (existsSync(stored) ? undefined : true));
      for (const variant of variants) {
        await waitFor(() =>
          existsSync(path.join(t.runtime.config.files.dir, variant.key)) ? undefined : true,
        );
      }
      // The row stays (soft delete) for the audit trail.
      const [kept] = await t.ownerQuery<{ deleted: boolean }>(
        'SELECT deleted_at IS NOT NULL AS deleted FROM files WHERE id = $1',
        [file.id],
      );
      expect(kept).toEqual({ deleted: true });
    });
  });

  describe('tenants', () => {
    it('keep their files apart: another tenant sees 404 for every route', async () => {
      const platform = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password, {
        platform: true,
      });
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/platform/tenants',
        headers: platform.auth,
        payload: {
          slug: 'komsu-bayi',
          name: 'Komşu Bayi',
          owner: { email: 'yonetici@komsu.test', password: 'Komsu-Bayi-Parola-8' },
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const neighbour = await signIn(t.app, 'yonetici@komsu.test', 'Komsu-Bayi-Parola-8', {
        tenant: 'komsu-bayi',
      });

      const file = await upload('document', samplePdf(), 'demo.pdf');
      const image = await upload('image', await sampleImage('png'), 'demo.png', admin.auth, 'private');
      for (const [method, url] of [
        ['GET', `/files/${file.id}`],
        ['POST', `/files/${file.id}/signed-url`],
        ['DELETE', `/files/${file.id}`],
        ['DELETE', `/files/${image.id}`],
      ] as const) {
        expectProblem(await api(method, url, neighbour.auth), 404, 'files.not_found');
      }
      const list = (await api('GET', '/files?limit=100', neighbour.auth)).json() as { items: unknown[] };
      expect(list.items).toEqual([]);
      // Their own upload lands under their own tenant's prefix.
      const theirs = await upload('image', await sampleImage('png'), 'komsu.png', neighbour.auth);
      const neighbourId = await t.tenantId('komsu-bayi');
      expect(theirs.urls!.original).toContain(`/public/${neighbourId}/`);
      expect((await get(theirs.urls!.original)).statusCode).toBe(200);
    });
  });
});
