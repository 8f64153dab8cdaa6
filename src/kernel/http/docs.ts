import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { completeDocument, type DocumentScope, type OpenApiDocument } from './openapi-document.js';

export const API_VERSION = '0.1.0';

/**
 * The document's server: PUBLIC_URL when set. Otherwise `/`, relative to wherever the document was
 * read from, so "Try it out" and generated clients work on any host the server is reached by (a
 * guessed http://localhost:PORT is wrong for everyone but the machine itself).
 */
export function documentServer(config: Config): { url: string; description: string } {
  return config.publicUrlGiven
    ? { url: config.publicUrl, description: 'PUBLIC_URL' }
    : { url: '/', description: 'The host this document was read from' };
}

/** OpenAPI 3.1 built from the route schemas; must be registered before the routes it describes. */
export async function registerOpenApi(
  app: FastifyInstance,
  config: Config,
  scope: DocumentScope,
): Promise<void> {
  await app.register(swagger, {
    // Route paths are the server's own, whatever path PUBLIC_URL has.
    stripBasePath: false,
    // Shared schemas keep their $id as their component name (`Problem`, not `def-0`): generated
    // clients name their types after it.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`,
    },
    transformObject: (documents) =>
      'openapiObject' in documents
        ? completeDocument(documents.openapiObject as OpenApiDocument, scope)
        : documents.swaggerObject,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Çarşı API',
        version: API_VERSION,
        description:
          'Commerce backend for B2B and B2C merchants. Errors are RFC 9457 problem documents with a stable `code`. ' +
          'The tenant comes from the credentials, else the `X-Tenant` header (slug), else the default tenant.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [documentServer(config)],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'Access token from POST /auth/login',
          },
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: 'ck_<id>_<secret> from POST /api-keys',
          },
        },
      },
      tags: [
        { name: 'tenancy', description: 'The current tenant' },
        { name: 'auth', description: 'Sign-up, sign-in, sessions, password reset, email verification' },
        {
          name: 'me',
          description: 'The signed-in user’s own account, sessions, two-factor authentication and data',
        },
        { name: 'users', description: 'Staff administration of users' },
        { name: 'roles', description: 'Permissions and roles' },
        { name: 'api-keys', description: 'System-to-system credentials' },
        { name: 'audit', description: 'Audit log' },
        { name: 'notifications', description: 'Outbound messages' },
        {
          name: 'products',
          description:
            'Products and variants: listing with filters, facets and search; product pages; management; CSV import and export',
        },
        { name: 'categories', description: 'The category tree and the attributes its products have' },
        { name: 'brands', description: 'Brands' },
        { name: 'attributes', description: 'Typed product attributes and their options' },
        { name: 'files', description: 'Uploads, public files and signed links to private ones' },
        { name: 'platform', description: 'Platform administration: tenants' },
        { name: 'system', description: 'Health, readiness and metrics' },
      ],
    },
  });
}

/** The interactive UI at /docs and the JSON document at /docs/json. */
export async function registerDocsUi(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
}
