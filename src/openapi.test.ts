import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { buildOpenApiDocument } from './openapi.js';

// The rules every operation of the document must keep, checked on the document itself so that a route
// added later cannot forget them. Spectral (npm run lint) checks the document against OpenAPI's own.

interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, { schema?: unknown }>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: { default?: unknown } }[];
  responses: Record<string, Response>;
}
interface Document {
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { responses?: Record<string, Response>; schemas?: Record<string, unknown> };
}

const dirs: string[] = [];
async function documentWith(env: Record<string, string> = {}): Promise<Document> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'carsi-openapi-'));
  dirs.push(dataDir);
  const config = loadConfig({ NODE_ENV: 'test', CARSI_DATA_DIR: dataDir, ...env });
  return (await buildOpenApiDocument(config)) as unknown as Document;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  let document: Document;
  let operations: { name: string; path: string; method: string; operation: Operation }[];
  beforeAll(async () => {
    document = await documentWith();
    operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        path,
        method,
        operation,
      })),
    );
  });

  it('gives every operation a unique operationId, a summary and a description', () => {
    expect(operations.length).toBeGreaterThan(90);
    const ids = new Map<string, string>();
    for (const { name, operation } of operations) {
      expect(operation.operationId, name).toMatch(/^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)+$/);
      expect(ids.get(operation.operationId!), `${name} repeats an operationId`).toBeUndefined();
      ids.set(operation.operationId!, name);
      expect(operation.summary?.trim(), name).toBeTruthy();
      expect(operation.description?.trim(), name).toBeTruthy();
    }
    // The auth routes are registered twice; each registration has ids of its own.
    expect(ids.get('auth.login')).toBe('POST /api/v1/auth/login');
    expect(ids.get('platform.auth.login')).toBe('POST /api/v1/platform/auth/login');
  });

  it('gives every response a schema, or a reference to a shared problem response', () => {
    const shared = document.components.responses ?? {};
    for (const { name, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const where = `${name} ${status}`;
        if (response.$ref) {
          const target = response.$ref.replace('#/components/responses/', '');
          expect(shared[target], `${where}: ${response.$ref}`).toBeDefined();
          continue;
        }
        expect(response.description?.trim(), where).toBeTruthy();
        // Only answers without a body may go without a schema.
        if (status === '204' || status === '304') continue;
        const media = Object.values(response.content ?? {});
        expect(media.length, `${where} has no content`).toBeGreaterThan(0);
        for (const { schema } of media) expect(schema, where).toBeDefined();
      }
    }
    for (const [name, response] of Object.entries(shared)) {
      // The one shared answer without a body: 304 to a GET whose ETag still matches.
      if (name === 'NotModified') continue;
      expect(response.content?.['application/problem+json']?.schema, name).toEqual({
        $ref: '#/components/schemas/Problem',
      });
    }
    expect(document.components.schemas?.['Problem']).toBeDefined();
  });

  it('lists the problem statuses each operation can meet, by what it is', () => {
    for (const { name, path, method, operation } of operations) {
      const statuses = Object.keys(operation.responses);
      // Refused characters, refused by the HTTP parser before any route is chosen, or an unexpected
      // failure: anywhere.
      expect(statuses, name).toEqual(expect.arrayContaining(['400', '408', '431', '500']));
      if (method === 'get') expect(statuses, name).toContain('304');
      if (!path.startsWith('/api/')) continue;
      expect(statuses, name).toEqual(expect.arrayContaining(['400', '401', '403', '429']));
      if (!path.startsWith('/api/v1/platform/'))
        expect(statuses, `${name}: tenant.not_found`).toContain('404');
      if (['post', 'put', 'patch', 'delete'].includes(method)) {
        expect(statuses, name).toEqual(expect.arrayContaining(['413', '415']));
      } else {
        expect(statuses, name).not.toContain('415');
      }
      const hasParameters = operation.parameters?.some((p) => p.in === 'path' && !path.includes('{path}'));
      if (hasParameters) expect(statuses, name).toContain('414');
    }
    // A route with no 404 of its own still answers `tenant.not_found`; one with its own says both.
    const me = document.paths['/api/v1/me']!['get']!.responses;
    expect(me['404']).toEqual({ $ref: '#/components/responses/TenantNotFound' });
    const user = document.paths['/api/v1/users/{id}']!['get']!.responses;
    expect(user['404']).toEqual({ $ref: '#/components/responses/NotFound' });
  });

  it('requires no parameter that has a default', () => {
    for (const { name, operation } of operations) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.schema?.default !== undefined) {
          expect(parameter.required ?? false, `${name} ${parameter.name}`).toBe(false);
        }
      }
    }
    const limit = document.paths['/api/v1/products']!['get']!.parameters!.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', schema: { default: 20 } });
  });

  it('writes every path as a valid template whose names are its path parameters', () => {
    for (const { name, path, operation } of operations) {
      const names = [...path.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]);
      for (const parameterName of names) expect(parameterName, name).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      const inPath = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(inPath.sort(), name).toEqual([...names].sort());
    }
    expect(document.paths['/api/v1/files/public/{path}']?.['get']).toBeDefined();
  });

  it('gives a server relative to wherever it was read from when PUBLIC_URL is unset', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('gives PUBLIC_URL as the server when it is set, paths unchanged', async () => {
    const behindProxy = await documentWith({ PUBLIC_URL: 'https://shop.example.com.tr/api/' });
    expect(behindProxy.servers).toEqual([
      expect.objectContaining({ url: 'https://shop.example.com.tr/api' }),
    ]);
    expect(Object.keys(behindProxy.paths)).toEqual(Object.keys(document.paths));
  });
});
