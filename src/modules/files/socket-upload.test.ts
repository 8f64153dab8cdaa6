import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';
import { streamingUpload } from './fixtures.js';

describe('oversized uploads over a real connection', () => {
  let t: TestApp;
  let admin: SignedIn;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t?.close());

  it('answers 413 while the client is still sending, and closes the connection', async () => {
    const body = streamingUpload('image', 100 * 1024 * 1024);
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/files',
        headers: { ...admin.auth, ...body.headers, 'content-length': String(100 * 1024 * 1024 + 400) },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.on('error', reject);
      });
      // Writes fail once the server has closed the connection: expected.
      request.on('error', () => {});
      body.payload.pipe(request);
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'files.too_large' });
    expect(body.progress.pulled).toBeLessThan(50 * 1024 * 1024);
  });
});
