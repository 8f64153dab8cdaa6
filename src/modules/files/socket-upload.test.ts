import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { BOOTSTRAP_ADMIN, type SignedIn, signIn } from '../../../test/identity.js';
import { streamingUpload } from './fixtures.js';

const HUNDRED_MB = 100 * 1024 * 1024;

describe('refused uploads over a real connection', () => {
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

  /** Sends a 100 MB image upload and resolves with the answer, however early it comes. */
  function sendHugeUpload(auth: Record<string, string>) {
    const body = streamingUpload('image', HUNDRED_MB);
    const answer = new Promise<{ status: number; connection: string | undefined; body: string }>(
      (resolve, reject) => {
        const request = http.request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/files',
          headers: { ...auth, ...body.headers },
        });
        request.on('response', (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              connection: response.headers.connection,
              body: text,
            }),
          );
          response.on('error', reject);
        });
        // Writing fails once the server has closed the connection: that is the point.
        request.on('error', () => {});
        body.payload.pipe(request);
      },
    );
    return { answer, progress: body.progress };
  }

  it('answers 413 while the client is still sending, and closes the connection', async () => {
    const { answer, progress } = sendHugeUpload(admin.auth);
    const result = await answer;
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'files.too_large' });
    expect(result.connection).toBe('close');
    // What the client wrote: the 10 MB read plus what socket buffers took; far from 100 MB.
    expect(progress.pulled).toBeLessThan(50 * 1024 * 1024);
    expect(await t.ownerQuery('SELECT id FROM files')).toEqual([]);
  });

  it('answers 401 to an anonymous upload without receiving its body', async () => {
    const { answer, progress } = sendHugeUpload({});
    const result = await answer;
    expect(result.status).toBe(401);
    expect(result.connection).toBe('close');
    expect(progress.pulled).toBeLessThan(50 * 1024 * 1024);
  });
});
