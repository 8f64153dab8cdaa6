import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { AppError } from '../errors.js';

/** Throwaway routes that exercise every error path of the kernel. */
async function kernelProbeRoutes(app: TestApp['app']) {
  app.post(
    '/api/v1/probe/items',
    {
      schema: {
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 50 }),
            quantity: Type.Integer({ minimum: 1 }),
            email: Type.String({ format: 'email' }),
          },
          { additionalProperties: false },
        ),
        querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 201: Type.Object({ ok: Type.Boolean() }) },
      },
    },
    async (_request, reply) => reply.code(201).send({ ok: true }),
  );
  app.get('/api/v1/probe/boom', async () => {
    throw new Error('secret database detail: password=hunter2');
  });
  app.get('/api/v1/probe/conflict', async () => {
    throw new AppError('probe.conflict', 409, 'It clashes.', { field: 'sku' });
  });
  app.get('/api/v1/probe/big', async () => ({ text: 'çarşı '.repeat(2000) }));
}

describe('HTTP kernel', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      routes: kernelProbeRoutes,
      env: { BODY_LIMIT: '2048', CORS_ORIGINS: 'https://shop.example' },
    });
  });
  afterAll(() => t?.close());

  const problemOf = (response: { headers: Record<string, unknown>; json: () => unknown }) => {
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    return response.json() as Record<string, unknown>;
  };

  it('lists every invalid field in one 400 problem', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/probe/items?dryRun=maybe&extra=1',
      payload: { name: '', quantity: 'three', email: 'not-an-email', colour: 'red' },
    });
    expect(response.statusCode).toBe(400);
    const problem = problemOf(response);
    expect(problem).toMatchObject({
      status: 400,
      code: 'request.validation_failed',
      type: 'urn:carsi:problem:request.validation_failed',
    });
    expect(problem['requestId']).toBe(response.headers['x-request-id']);
  });

  it('reports all body fields at once, including missing and unknown ones', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/probe/items',
      payload: { name: '', quantity: 'three', colour: 'red' },
    });
    const problem = problemOf(response);
    const fields = (problem['errors'] as { field: string; in: string }[])
      .map((e) => `${e.in}:${e.field}`)
      .sort();
    expect(fields).toEqual(['body:colour', 'body:email', 'body:name', 'body:quantity']);
  });

  it('rejects unknown query parameters', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/probe/items?extra=1',
      payload: { name: 'a', quantity: 1, email: 'a@b.co' },
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response)['errors']).toEqual([
      { in: 'querystring', field: 'extra', message: 'is not an allowed field' },
    ]);
  });

  it('accepts a valid request', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/probe/items?dryRun=true',
      payload: { name: 'Kutu', quantity: 2, email: 'satis@ornek.com.tr' },
    });
    expect(response.statusCode).toBe(201);
  });

  it('answers malformed JSON with 400 request.malformed_json', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/probe/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "Kutu",',
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response)['code']).toBe('request.malformed_json');
  });

  it('answers an empty JSON body with 400', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/probe/items',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response)['code']).toBe('request.empty_json_body');
  });

  it('answers a body over BODY_LIMIT with 413', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/probe/items',
      payload: { name: 'x'.repeat(5000), quantity: 1, email: 'a@b.co' },
    });
    expect(response.statusCode).toBe(413);
    expect(problemOf(response)['code']).toBe('request.body_too_large');
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/probe/items',
      headers: { 'content-type': 'application/xml' },
      payload: '<item/>',
    });
    expect(response.statusCode).toBe(415);
    expect(problemOf(response)['code']).toBe('request.unsupported_media_type');
  });

  it('answers an unknown route with 404 route.not_found', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(response.statusCode).toBe(404);
    expect(problemOf(response)).toMatchObject({ code: 'route.not_found', detail: 'No route GET /nowhere.' });
  });

  it('answers URLs the router refuses (bad encoding, over-long parameter) as problems', async () => {
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/users/%E0%A4%A' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(problemOf(bad)['code']).toBe('request.bad_url');
    const long = await t.app.inject({ method: 'GET', url: `/api/v1/users/${'a'.repeat(101)}` });
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toContain('application/problem+json');
    expect(problemOf(long)).toMatchObject({
      code: 'request.path_too_long',
      requestId: expect.any(String),
    });
  });

  it('answers an unexpected error with 500 and only the request id', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/probe/boom' });
    expect(response.statusCode).toBe(500);
    const problem = problemOf(response);
    expect(problem['code']).toBe('internal');
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('at ');
    expect(problem['requestId']).toBe(response.headers['x-request-id']);
  });

  it('answers an AppError with its status, code and extra members', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/probe/conflict' });
    expect(response.statusCode).toBe(409);
    expect(problemOf(response)).toMatchObject({
      code: 'probe.conflict',
      detail: 'It clashes.',
      field: 'sku',
      title: 'Conflict',
    });
  });

  it('honours a plain incoming X-Request-Id and replaces an unsafe one', async () => {
    const kept = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'lb-1234.abc' },
    });
    expect(kept.headers['x-request-id']).toBe('lb-1234.abc');
    const replaced = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'bad id\n' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends an ETag on GET and 304 for a matching If-None-Match', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/api/v1/tenant' });
    const etag = first.headers['etag'];
    expect(etag).toMatch(/^"[\w-]+"$/);
    const second = await t.app.inject({
      method: 'GET',
      url: '/api/v1/tenant',
      headers: { 'if-none-match': String(etag) },
    });
    expect(second.statusCode).toBe(304);
    expect(second.body).toBe('');
    const other = await t.app.inject({
      method: 'GET',
      url: '/api/v1/tenant',
      headers: { 'if-none-match': '"other"' },
    });
    expect(other.statusCode).toBe(200);
  });

  it('compresses large responses with br or gzip as negotiated', async () => {
    const br = await t.app.inject({
      method: 'GET',
      url: '/api/v1/probe/big',
      headers: { 'accept-encoding': 'br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    const gzip = await t.app.inject({
      method: 'GET',
      url: '/api/v1/probe/big',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.rawPayload.length).toBeLessThan(2000);
    const small = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('sets security headers', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/tenant' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cross-origin-resource-policy']).toBe('same-site');
    // Browser-era headers that protect nothing in a JSON API are not sent.
    expect(response.headers['x-xss-protection']).toBeUndefined();
    expect(response.headers['x-download-options']).toBeUndefined();
  });

  it('sends the same security headers on errors', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/nowhere' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
  });

  it('allows CORS only for the configured origins', async () => {
    const allowed = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/tenant',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    const denied = await t.app.inject({
      method: 'GET',
      url: '/api/v1/tenant',
      headers: { origin: 'https://evil.example' },
    });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS without allowed origins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('answers cross-origin calls without CORS headers, and preflights with 404', async () => {
    const call = await t.app.inject({
      method: 'GET',
      url: '/api/v1/tenant',
      headers: { origin: 'https://shop.example' },
    });
    expect(call.statusCode).toBe(200);
    expect(call.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/tenant',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(404);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});
