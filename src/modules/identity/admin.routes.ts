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
        operationId: 'permissions.list',
        summary: 'Every permission, with what it allows',
        description:
          'Needs a signed-in user (not an API key). Every permission the API knows, whether or not the ' +
          'caller holds it: what role editors offer.',
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
        operationId: 'roles.list',
        summary: 'Roles of the tenant',
        description:
          'Needs users.view. The tenant’s copies of the built-in roles and its custom roles, with their ' +
          'permissions.',
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
        operationId: 'roles.get',
        summary: 'One role',
        description: 'Needs users.view.',
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
        operationId: 'roles.create',
        summary: 'Create a custom role',
        description:
          'Needs roles.manage. Nobody grants a permission they do not hold themselves (403 ' +
          '`roles.permission_not_held`); a role with roles.manage or users.manage is a super_admin’s to ' +
          'make. A key already taken is 409 `roles.key_taken`.',
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
        operationId: 'roles.update',
        summary: 'Edit a role (built-in roles too: they are the tenant’s copies)',
        description:
          'Needs roles.manage. `permissions` replaces the whole list, within the permissions you hold; ' +
          'nobody changes a role they hold themselves (403 `roles.cannot_edit_own_role`), and ' +
          'super_admin’s permissions are fixed (409). Holders have the new permissions from their next ' +
          'request.',
        security,
        params: IdParams,
        body: Type.Partial(Type.Pick(RoleBody, ['name', 'description', 'permissions']), {
          additionalProperties: false,
          minProperties: 1,
        }),
        response: { 200: Role, ...problemResponses(401, 403, 404, 409) },
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
        operationId: 'roles.delete',
        summary: 'Delete a custom role no user holds',
        description:
          'Needs roles.manage. Built-in roles cannot be deleted (409 `roles.built_in`), nor a role a user ' +
          'still holds (409 `roles.in_use`).',
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
        operationId: 'users.list',
        summary: 'Users of the tenant (staff and customers)',
        description:
          'Needs users.view. `kind`, `status` and `q` (part of the name or email) narrow the list; pages ' +
          'follow `nextCursor`.',
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
        operationId: 'users.get',
        summary: 'One user',
        description:
          'Needs users.view. Platform administrators are not users of a tenant: 404 `users.not_found`.',
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
        operationId: 'users.create',
        summary: 'Create a staff user',
        description:
          'Needs users.manage; nobody gives roles with permissions they do not hold. Without a password, ' +
          'the user is emailed a link to choose one (valid 30 minutes; “forgot password” sends a new one). ' +
          'An email already used in the tenant is 409.',
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
        operationId: 'users.update',
        summary: 'Change a user’s name, locale or phone',
        description:
          'Needs users.manage; a user holding permissions you lack is 403 `users.outranks_you`. Send at ' +
          'least one field; null clears the locale or the phone.',
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
        operationId: 'users.roles.replace',
        summary: 'Replace a user’s roles',
        description:
          'Needs users.manage; nobody changes their own roles (403 `users.cannot_change_own_roles`), and a ' +
          'user holding permissions you lack is 403 `users.outranks_you`. Takes effect on the user’s next ' +
          'request.',
        security,
        params: IdParams,
        body: Type.Object({ roles: Type.Array(RoleKey, { maxItems: 20 }) }, { additionalProperties: false }),
        response: { 200: User, ...problemResponses(401, 403, 404) },
      },
    },
    (request) => withTx(request.ctx, (tx) => replaceUserRoles(tx, request.params.id, request.body.roles)),
  );

  const statusChangeDescriptions = {
    deactivate:
      'Needs users.manage; a user holding permissions you lack is 403 `users.outranks_you`. Every session ' +
      'ends and sign-in is refused until reactivated; deactivating yourself is 409 `users.cannot_deactivate_self`.',
    reactivate:
      'Needs users.manage; a user holding permissions you lack is 403 `users.outranks_you`. The user may sign ' +
      'in again; a sign-up waiting for staff approval is approved.',
  };
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
          operationId: `users.${path}`,
          summary,
          description: statusChangeDescriptions[path],
          security,
          params: IdParams,
          response: {
            200: User,
            ...problemResponses(401, 403, 404, ...(path === 'deactivate' ? [409] : [])),
          },
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
        operationId: 'users.data.export',
        summary: 'Everything held about a user (KVKK / GDPR access)',
        description:
          'Needs a staff user (not an API key) holding customers.edit for a customer, users.manage for a ' +
          'staff user. One JSON document: the account, its sessions, the API keys it created, the messages ' +
          'sent to it and the audit entries about it or by it.',
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
        operationId: 'users.erase',
        summary: 'Erase a user’s personal data (KVKK / GDPR)',
        description:
          'Needs a staff user (not an API key) holding customers.edit for a customer, users.manage for a ' +
          'staff user. Personal data is removed; the account stays as a pseudonymous record for what the ' +
          'law requires to be kept (invoices, orders, the audit trail). Every session ends. The tenant’s last ' +
          'active super_admin cannot be erased (409 `users.last_super_admin`).',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
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
        operationId: 'apiKeys.list',
        summary: 'Active API keys (never their secrets)',
        description:
          'Needs apikeys.manage. Each key with its scopes, allowed addresses, expiry and last use; the key ' +
          'itself was shown only when it was created.',
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
        operationId: 'apiKeys.create',
        summary: 'Create an API key; the key is shown this once',
        description:
          'Needs a staff user (not an API key) holding apikeys.manage. Scopes are permissions and cannot ' +
          'exceed your own (403 `apikeys.scope_exceeds_creator`). Send the key as X-API-Key; it stops ' +
          'working with its creator’s account.',
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
        operationId: 'apiKeys.revoke',
        summary: 'Revoke an API key at once',
        description:
          'Needs apikeys.manage. Requests with the key are refused (401 `auth.invalid_api_key`) from then ' +
          'on.',
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
        operationId: 'auditLogs.list',
        summary: 'The tenant’s audit log, newest first',
        description:
          'Needs audit.view. Filters combine; `from` and `to` bound the time. Entries are never changed or ' +
          'deleted.',
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
        operationId: 'outboundMessages.list',
        summary: 'Messages sent or kept for sending, newest first',
        description:
          'Needs notifications.view. Without a mail server (SMTP_URL unset) messages are kept here instead ' +
          'of being sent. Secrets in them (links with tokens) are blanked.',
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
