import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Tx } from '../../db/tx.js';
import { requirePermission } from '../../kernel/http/guards.js';
import { problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import { decodeCursor, PageQuery, pageOf, toPage } from '../../kernel/pagination.js';
import { catalogReadAccess } from './access.js';
import {
  createBrand,
  deleteBrand,
  getBrand,
  listBrands,
  logosOf,
  toBrandView,
  updateBrand,
} from './brands.service.js';
import {
  BrandCreateBody,
  BrandPatchBody,
  Brand as BrandSchema,
  IdParams,
  LocaleQuery,
  SearchText,
} from './contracts.js';
import { catalogRead, catalogWrite } from './errors.js';
import { localeChoiceOf, readSecurity, staffDetailOptions, writeSecurity } from './http.js';
import type { BrandRow } from './schema.js';
import type { LocaleChoice } from './texts.js';

const tags = ['brands'];

async function brandView(tx: Tx, row: BrandRow, choice: LocaleChoice) {
  const logos = await logosOf(tx, [row]);
  return toBrandView(row, choice, row.logoFileId ? logos.get(row.logoFileId) : undefined);
}

/** Brands: reads for everyone, changes with products.edit. */
export const brandRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/brands',
    {
      preValidation: catalogReadAccess,
      schema: {
        tags,
        operationId: 'brands.list',
        summary: 'Brands, oldest first',
        description:
          'Open to everyone unless the tenant’s catalog requires signing in (then 401 for guests). `q` ' +
          'matches part of the name; pages follow `nextCursor`.',
        security: readSecurity,
        headers: TenantHeaders,
        querystring: Type.Object(
          {
            ...PageQuery,
            q: Type.Optional(Type.String({ ...SearchText, description: 'Part of the name' })),
            locale: LocaleQuery.properties.locale,
          },
          { additionalProperties: false },
        ),
        response: { 200: pageOf(BrandSchema), ...problemResponses(401) },
      },
    },
    (request) =>
      catalogRead(request.ctx, async (tx) => {
        const { limit, cursor, q } = request.query;
        const rows = await listBrands(tx, { limit, after: decodeCursor(cursor), q });
        const logos = await logosOf(tx, rows);
        const choice = localeChoiceOf(request);
        return toPage(
          rows,
          limit,
          (r) => r.id,
          (r) => toBrandView(r, choice, r.logoFileId ? logos.get(r.logoFileId) : undefined),
        );
      }),
  );

  app.get(
    '/brands/:id',
    {
      preValidation: catalogReadAccess,
      schema: {
        tags,
        operationId: 'brands.get',
        summary: 'One brand',
        description:
          'Open to everyone unless the tenant’s catalog requires signing in (then 401 for guests).',
        security: readSecurity,
        headers: TenantHeaders,
        params: IdParams,
        querystring: LocaleQuery,
        response: { 200: BrandSchema, ...problemResponses(401, 404) },
      },
    },
    (request) =>
      catalogRead(request.ctx, async (tx) =>
        brandView(tx, await getBrand(tx, request.params.id), localeChoiceOf(request)),
      ),
  );

  app.post(
    '/brands',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'brands.create',
        summary: 'Create a brand',
        description:
          'Needs products.edit. Without a slug one is made from the name; a given slug that is taken is 409.',
        security: writeSecurity,
        body: BrandCreateBody,
        response: { 201: BrandSchema, ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const view = await catalogWrite(request.ctx, async (tx) =>
        brandView(tx, await createBrand(tx, request.body), staffDetailOptions(request)),
      );
      return reply.code(201).send(view);
    },
  );

  app.patch(
    '/brands/:id',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'brands.update',
        summary: 'Change a brand',
        description: 'Needs products.edit. A new name is searchable in all of the brand’s products at once.',
        security: writeSecurity,
        params: IdParams,
        body: BrandPatchBody,
        response: { 200: BrandSchema, ...problemResponses(401, 403, 404, 409) },
      },
    },
    (request) =>
      catalogWrite(request.ctx, async (tx) =>
        brandView(tx, await updateBrand(tx, request.params.id, request.body), staffDetailOptions(request)),
      ),
  );

  app.delete(
    '/brands/:id',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'brands.delete',
        summary: 'Delete a brand',
        description: 'Needs products.edit. Its products stay, without a brand.',
        security: writeSecurity,
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await catalogWrite(request.ctx, (tx) => deleteBrand(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );
};
