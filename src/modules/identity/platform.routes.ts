import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { asTenant, withTx } from '../../db/tx.js';
import { requireUser } from '../../kernel/http/guards.js';
import { problemResponses } from '../../kernel/http/schemas.js';
import { decodeCursor, PageQuery, pageOf, toPage } from '../../kernel/pagination.js';
import {
  createTenant,
  getTenant,
  listTenants,
  PlatformTenantSettings,
  type TenantRow,
  updateTenant,
} from '../tenancy/index.js';
import { IdParams } from './contracts.js';
import { ensureBuiltInRoles } from './roles.service.js';

const security: { [scheme: string]: string[] }[] = [{ bearer: [] }];
const tags = ['platform'];

const Tenant = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
  plan: Type.String(),
  settings: Type.Object({}, { additionalProperties: true }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const Slug = Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$' });
const Settings = PlatformTenantSettings;

function tenantView(row: TenantRow) {
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

/** Tenants, managed by platform administrators (users not bound to any tenant). */
export const platformRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preValidation', requireUser('platform'));

  app.get(
    '/tenants',
    {
      schema: {
        tags,
        operationId: 'platform.tenants.list',
        summary: 'All tenants, newest first',
        description: 'Only platform administrators (users bound to no tenant). Pages follow `nextCursor`.',
        security,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: pageOf(Tenant), ...problemResponses(401, 403) },
      },
    },
    (request) =>
      withTx(
        request.ctx,
        async (tx) => {
          const rows = await listTenants(tx, {
            limit: request.query.limit,
            after: decodeCursor(request.query.cursor),
          });
          return toPage(rows, request.query.limit, (r) => r.id, tenantView);
        },
        { readOnly: true },
      ),
  );

  app.get(
    '/tenants/:id',
    {
      schema: {
        tags,
        operationId: 'platform.tenants.get',
        summary: 'One tenant',
        description: 'Only platform administrators.',
        security,
        params: IdParams,
        response: { 200: Tenant, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) =>
      tenantView(await withTx(request.ctx, (tx) => getTenant(tx, request.params.id), { readOnly: true })),
  );

  app.post(
    '/tenants',
    {
      schema: {
        tags,
        operationId: 'platform.tenants.create',
        summary: 'Create a tenant, with its copies of the built-in roles',
        description:
          'Only platform administrators. A slug already taken is 409. The tenant’s staff may then edit its ' +
          'copies of the built-in roles.',
        security,
        body: Type.Object(
          {
            slug: Slug,
            name: Type.String({ minLength: 1, maxLength: 200 }),
            plan: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
            settings: Type.Optional(Settings),
          },
          { additionalProperties: false },
        ),
        response: { 201: Tenant, ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const tenant = await withTx(request.ctx, async (tx) => {
        const created = await createTenant(tx, request.body);
        await asTenant(tx, created.id, ensureBuiltInRoles);
        return created;
      });
      return reply.code(201).send(tenantView(tenant));
    },
  );

  app.patch(
    '/tenants/:id',
    {
      schema: {
        tags,
        operationId: 'platform.tenants.update',
        summary: 'Rename, suspend or reactivate a tenant, change its plan or settings',
        description:
          'Only platform administrators. A suspended tenant’s requests are answered 403 tenant.suspended ' +
          '(within 5 seconds in every process).',
        security,
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
            plan: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
            settings: Type.Optional(Settings),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Tenant, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) =>
      tenantView(await withTx(request.ctx, (tx) => updateTenant(tx, request.params.id, request.body))),
  );
};
