import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { withTx } from '../../db/tx.js';
import { listAuditLogs } from '../../kernel/audit/query.js';
import { requirePermission, requireUser } from '../../kernel/http/guards.js';
import { problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import { decodeCursor, PageQuery, pageOf, toPage } from '../../kernel/pagination.js';
import { listMessages } from '../notifications/index.js';
import { createApiKey, listApiKeys, revokeApiKey, toApiKeyView } from './api-keys.service.js';
import {
  ApiKey,
  AuditEntry,
  Email,
  IdParams,
  Locale,
  NewPassword,
  OutboundMessage,
  PermissionName,
  PersonName,
  Phone,
  Role,
  RoleKey,
  User,
  UserStatus,
} from './contracts.js';
import { PERMISSIONS } from './permissions.js';
import {
  createRole,
  deleteRole,
  getRole,
  listRoles,
  roleKeysOf,
  toRoleView,
  updateRole,
} from './roles.service.js';
import {
  createStaffUser,
  deactivateUser,
  editUser,
  eraseUserFor,
  exportUserDataFor,
  reactivateUser,
  replaceUserRoles,
  tenantUser,
} from './user-admin.service.js';
import { listUsers, toUserView, viewOf } from './users.service.js';

const security: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];

/** Staff administration of the tenant: permissions, roles, users, API keys, audit log, outbound messages. */
export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/permissions',
    {
      preValidation: requireUser(),
      schema: {
        tags: ['roles'],
        summary: 'Every permission, with what it allows',
        security,
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
          }),
          ...problemResponses(401),
        },
      },
    },
    async () => ({
      items: Object.entries(PERMISSIONS).map(([name, description]) => ({ name, description })),
    }),
  );

  // --- Roles ---------------------------------------------------------------------------------

  const RoleBody = Type.Object(
    {
      key: RoleKey,
      name: Type.String({ minLength: 1, maxLength: 100 }),
      description: Type.Optional(Type.String({ maxLength: 500 })),
      audience: Type.Union([Type.Literal('staff'), Type.Literal('customer')]),
      permissions: Type.Array(PermissionName, { maxItems: 200 }),
    },
    { additionalProperties: false },
  );

  app.get(
    '/roles',
    {
      preValidation: requirePermission('users.view'),
      schema: {
        tags: ['roles'],
        summary: 'Roles of the tenant',
        security,
        headers: TenantHeaders,
        response: { 200: Type.Object({ items: Type.Array(Role) }), ...problemResponses(401, 403) },
      },
    },
    async (request) => ({
      items: (await withTx(request.ctx, listRoles, { readOnly: true })).map(toRoleView),
    }),
  );

  app.get(
    '/roles/:id',
    {
      preValidation: requirePermission('users.view'),
      schema: {
        tags: ['roles'],
        summary: 'One role',
        security,
        params: IdParams,
        response: { 200: Role, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) =>
      toRoleView(await withTx(request.ctx, (tx) => getRole(tx, request.params.id), { readOnly: true })),
  );

  app.post(
    '/roles',
    {
      preValidation: requirePermission('roles.manage'),
      schema: {
        tags: ['roles'],
        summary: 'Create a custom role',
        security,
        body: RoleBody,
        response: { 201: Role, ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(toRoleView(await withTx(request.ctx, (tx) => createRole(tx, request.body)))),
  );

  app.patch(
    '/roles/:id',
    {
      preValidation: requirePermission('roles.manage'),
      schema: {
        tags: ['roles'],
        summary: 'Edit a role (built-in roles too: they are the tenant’s copies)',
        security,
        params: IdParams,
        body: Type.Partial(Type.Pick(RoleBody, ['name', 'description', 'permissions']), {
          additionalProperties: false,
          minProperties: 1,
        }),
        response: { 200: Role, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) =>
      toRoleView(await withTx(request.ctx, (tx) => updateRole(tx, request.params.id, request.body))),
  );

  app.delete(
    '/roles/:id',
    {
      preValidation: requirePermission('roles.manage'),
      schema: {
        tags: ['roles'],
        summary: 'Delete a custom role no user holds',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await withTx(request.ctx, (tx) => deleteRole(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  // --- Users ---------------------------------------------------------------------------------

  const UserListQuery = Type.Object(
    {
      ...PageQuery,
      kind: Type.Optional(Type.Union([Type.Literal('staff'), Type.Literal('customer')])),
      status: Type.Optional(UserStatus),
      q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    },
    { additionalProperties: false },
  );

  app.get(
    '/users',
    {
      preValidation: requirePermission('users.view'),
      schema: {
        tags: ['users'],
        summary: 'Users of the tenant (staff and customers)',
        security,
        querystring: UserListQuery,
        response: { 200: pageOf(User), ...problemResponses(401, 403) },
      },
    },
    (request) =>
      withTx(
        request.ctx,
        async (tx) => {
          const { limit, cursor, kind, status, q } = request.query;
          const rows = await listUsers(tx, { limit, after: decodeCursor(cursor), kind, status, q });
          const roles = await roleKeysOf(
            tx,
            rows.map((r) => r.id),
          );
          return toPage(
            rows,
            limit,
            (r) => r.id,
            (r) => toUserView(r, roles.get(r.id) ?? []),
          );
        },
        { readOnly: true },
      ),
  );

  app.get(
    '/users/:id',
    {
      preValidation: requirePermission('users.view'),
      schema: {
        tags: ['users'],
        summary: 'One user',
        security,
        params: IdParams,
        response: { 200: User, ...problemResponses(401, 403, 404) },
      },
    },
    (request) =>
      withTx(request.ctx, async (tx) => viewOf(tx, await tenantUser(tx, request.params.id)), {
        readOnly: true,
      }),
  );

  app.post(
    '/users',
    {
      preValidation: requirePermission('users.manage'),
      schema: {
        tags: ['users'],
        summary: 'Create a staff user',
        description:
          'Without a password, the user is emailed a link to choose one (valid 30 minutes; "forgot password" sends a new one).',
        security,
        body: Type.Object(
          {
            email: Email,
            name: PersonName,
            password: Type.Optional(NewPassword),
            roles: Type.Array(RoleKey, { maxItems: 20 }),
            locale: Type.Optional(Locale),
            phone: Type.Optional(Phone),
          },
          { additionalProperties: false },
        ),
        response: { 201: User, ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const user = await withTx(request.ctx, (tx) => createStaffUser(tx, request.body));
      return reply.code(201).send(user);
    },
  );

  app.patch(
    '/users/:id',
    {
      preValidation: requirePermission('users.manage'),
      schema: {
        tags: ['users'],
        summary: 'Change a user’s name, locale or phone',
        security,
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(PersonName),
            locale: Type.Optional(Type.Union([Locale, Type.Null()])),
            phone: Type.Optional(Type.Union([Phone, Type.Null()])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: User, ...problemResponses(401, 403, 404) },
      },
    },
    (request) => withTx(request.ctx, (tx) => editUser(tx, request.params.id, request.body)),
  );

  app.put(
    '/users/:id/roles',
    {
      preValidation: requirePermission('users.manage'),
      schema: {
        tags: ['users'],
        summary: 'Replace a user’s roles',
        description: 'Takes effect when the user’s access token is next refreshed (at most 15 minutes).',
        security,
        params: IdParams,
        body: Type.Object({ roles: Type.Array(RoleKey, { maxItems: 20 }) }, { additionalProperties: false }),
        response: { 200: User, ...problemResponses(401, 403, 404) },
      },
    },
    (request) => withTx(request.ctx, (tx) => replaceUserRoles(tx, request.params.id, request.body.roles)),
  );

  for (const [path, change, summary] of [
    ['deactivate', deactivateUser, 'Deactivate a user: sessions end, sign-in is refused'],
    ['reactivate', reactivateUser, 'Reactivate a user (also approves a pending sign-up)'],
  ] as const) {
    app.post(
      `/users/:id/${path}`,
      {
        preValidation: requirePermission('users.manage'),
        schema: {
          tags: ['users'],
          summary,
          security,
          params: IdParams,
          response: { 200: User, ...problemResponses(401, 403, 404) },
        },
      },
      (request) => withTx(request.ctx, (tx) => change(tx, request.params.id)),
    );
  }

  app.get(
    '/users/:id/data-export',
    {
      preValidation: requireUser('staff'),
      schema: {
        tags: ['users'],
        summary: 'Everything held about a user (KVKK / GDPR access)',
        description: 'customers.edit for customer users; users.manage for staff users.',
        security,
        params: IdParams,
        response: {
          200: Type.Object({}, { additionalProperties: true }),
          ...problemResponses(401, 403, 404),
        },
      },
    },
    (request) => withTx(request.ctx, (tx) => exportUserDataFor(tx, request.params.id)),
  );

  app.post(
    '/users/:id/erase',
    {
      preValidation: requireUser('staff'),
      schema: {
        tags: ['users'],
        summary: 'Erase a user’s personal data (KVKK / GDPR)',
        description: 'customers.edit for customer users; users.manage for staff users.',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await withTx(request.ctx, (tx) => eraseUserFor(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  // --- API keys ------------------------------------------------------------------------------

  app.get(
    '/api-keys',
    {
      preValidation: requirePermission('apikeys.manage'),
      schema: {
        tags: ['api-keys'],
        summary: 'Active API keys (never their secrets)',
        security,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: pageOf(ApiKey), ...problemResponses(401, 403) },
      },
    },
    (request) =>
      withTx(
        request.ctx,
        async (tx) => {
          const rows = await listApiKeys(tx, {
            limit: request.query.limit,
            after: decodeCursor(request.query.cursor),
          });
          return toPage(rows, request.query.limit, (r) => r.id, toApiKeyView);
        },
        { readOnly: true },
      ),
  );

  app.post(
    '/api-keys',
    {
      preValidation: [requireUser('staff'), requirePermission('apikeys.manage')],
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; the key is shown this once',
        description: 'Scopes are permissions and cannot exceed your own. Send the key as X-API-Key.',
        security,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            scopes: Type.Array(PermissionName, { minItems: 1, maxItems: 100 }),
            expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
            allowedIps: Type.Optional(
              Type.Array(Type.String({ pattern: '^[0-9a-fA-F.:]+(/\\d{1,2})?$', maxLength: 50 }), {
                maxItems: 50,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Composite([ApiKey, Type.Object({ key: Type.String() })]),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      const { key, apiKey } = await withTx(request.ctx, (tx) =>
        createApiKey(tx, request.body, request.ctx.actor.permissions ?? new Set()),
      );
      return reply.code(201).send({ ...toApiKeyView(apiKey), key });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      preValidation: requirePermission('apikeys.manage'),
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key at once',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await withTx(request.ctx, (tx) => revokeApiKey(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  // --- Audit log and outbound messages --------------------------------------------------------

  app.get(
    '/audit-logs',
    {
      preValidation: requirePermission('audit.view'),
      schema: {
        tags: ['audit'],
        summary: 'The tenant’s audit log, newest first',
        security,
        querystring: Type.Object(
          {
            ...PageQuery,
            actorId: Type.Optional(Type.String({ maxLength: 100 })),
            action: Type.Optional(Type.String({ maxLength: 100 })),
            entityType: Type.Optional(Type.String({ maxLength: 100 })),
            entityId: Type.Optional(Type.String({ maxLength: 100 })),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: pageOf(AuditEntry), ...problemResponses(401, 403) },
      },
    },
    (request) =>
      withTx(
        request.ctx,
        async (tx) => {
          const { limit, cursor, ...filters } = request.query;
          const rows = await listAuditLogs(tx, { ...filters, limit, after: decodeCursor(cursor) });
          return toPage(
            rows,
            limit,
            (r) => r.id,
            (r) => ({ ...r, at: r.at.toISOString() }),
          );
        },
        { readOnly: true },
      ),
  );

  app.get(
    '/admin/outbound-messages',
    {
      preValidation: requirePermission('notifications.view'),
      schema: {
        tags: ['notifications'],
        summary: 'Messages sent or kept for sending, newest first',
        security,
        querystring: Type.Object(
          {
            ...PageQuery,
            recipient: Type.Optional(Type.String({ maxLength: 254 })),
            template: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: pageOf(OutboundMessage), ...problemResponses(401, 403) },
      },
    },
    (request) =>
      withTx(
        request.ctx,
        async (tx) => {
          const { limit, cursor, recipient, template } = request.query;
          const rows = await listMessages(tx, { limit, after: decodeCursor(cursor), recipient, template });
          return toPage(
            rows,
            limit,
            (r) => r.id,
            (r) => ({
              ...r,
              createdAt: r.createdAt.toISOString(),
              deliveredAt: r.deliveredAt?.toISOString() ?? null,
            }),
          );
        },
        { readOnly: true },
      ),
  );
};
