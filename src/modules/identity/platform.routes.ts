import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/tx.js';
import { requireUser } from '../../kernel/http/guards.js';
import { problemResponses } from '../../kernel/http/schemas.js';
import { decodeCursor, PageQuery, pageOf, toPage } from '../../kernel/pagination.js';
import {
  getTenant,
  listTenants,
  PlatformTenantSettings,
  type TenantRow,
  updateTenant,
} from '../tenancy/index.js';
import { Email, IdParams, NewPassword, PersonName } from './contracts.js';
import { setUpTenant } from './tenant-setup.service.js';

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

const TenantWithOwner = Type.Object({
  ...Tenant.properties,
  owner: Type.Object({
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    invited: Type.Boolean({ description: 'Emailed a link to choose a password (none was given)' }),
  }),
});

const Owner = Type.Object(
  {
    email: Email,
    name: Type.Optional(PersonName),
    password: Type.Optional(NewPassword),
  },
  {
    additionalProperties: false,
    description:
      'The tenant’s first user: staff with super_admin. With a password they sign in at once; without one ' +
      'they are emailed a link to choose it.',
  },
);

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
        summary: 'Create a tenant with its owner and its copies of the built-in roles',
        description:
          'Only platform administrators. The owner is created with the tenant, in one transaction: a weak ' +
          'password (400) or a slug already taken (409) creates nothing. The tenant’s staff may then edit ' +
          'its copies of the built-in roles.',
        security,
        body: Type.Object(
          {
            slug: Slug,
            name: Type.String({ minLength: 1, maxLength: 200 }),
            plan: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
            settings: Type.Optional(Settings),
            owner: Owner,
          },
          { additionalProperties: false },
        ),
        response: { 201: TenantWithOwner, ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { tenant, owner, invited } = await withTx(request.ctx, (tx) => setUpTenant(tx, request.body));
      return reply.code(201).send({
        ...tenantView(tenant),
        owner: { id: owner!.id, email: owner!.email, name: owner!.name, invited },
      });
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
