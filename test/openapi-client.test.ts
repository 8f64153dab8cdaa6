import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildOpenApiDocument } from '../src/openapi.js';

// What a client developer does with the document: generate types with openapi-typescript and use them.
// Fails when the document stops producing types that compile, or stops describing these operations.

const USAGE = `
import type { components, operations, paths } from './api.js';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Problem = components['schemas']['Problem'];

// A sign-in body, and the answer's two shapes.
const login: Json<operations['auth.login']['requestBody']> = { email: 'a@b.com.tr', password: 'secret-123' };
type LoginAnswer = Json<operations['auth.login']['responses'][200]>;
const mfa: LoginAnswer = { mfaRequired: true, mfaToken: 'token' };

// A listing needs no parameter: limit has a default.
const everything: operations['products.list']['parameters']['query'] = {};
const page: operations['products.list']['parameters']['query'] = { limit: 50, cursor: 'abc' };
type ListingPage = Json<operations['products.list']['responses'][200]>;
const firstSlug = (listing: ListingPage): string | null | undefined => listing.items[0]?.slug;

// Problems are typed from the shared responses.
type TenantMissing = operations['tenant.get']['responses'][404]['content']['application/problem+json'];
const missing: TenantMissing = {
  type: 'urn:carsi:problem:tenant.not_found',
  title: 'Not Found',
  status: 404,
  detail: 'No tenant "x".',
  code: 'tenant.not_found',
  requestId: 'r',
};
const asProblem: Problem = missing;

// Paths carry their parameters; the public file path is a named parameter.
type PublicFile = paths['/api/v1/files/public/{path}']['get']['parameters']['path'];
const file: PublicFile = { path: 'tenant/ab/cd.webp' };
type RoleReplacement = Json<operations['users.roles.replace']['requestBody']>;
const roles: RoleReplacement = { roles: ['catalog_manager'] };

export { asProblem, everything, file, firstSlug, login, mfa, page, roles };
`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('generates TypeScript types from the document that compile with code using them', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'carsi-client-'));
  dirs.push(dir);
  const config = loadConfig({ NODE_ENV: 'test', CARSI_DATA_DIR: path.join(dir, 'data') });
  const document = await buildOpenApiDocument(config);
  const types = astToString(await openapiTS(document as unknown as OpenAPI3));
  writeFileSync(path.join(dir, 'api.d.ts'), types);
  writeFileSync(path.join(dir, 'usage.ts'), USAGE);

  const program = ts.createProgram([path.join(dir, 'usage.ts')], {
    strict: true,
    noEmit: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
  expect(problems).toEqual([]);
  // The generated operations are named by their operationIds.
  expect(types).toContain('"platform.auth.login": {');
});
