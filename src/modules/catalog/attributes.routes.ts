import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requirePermission } from '../../kernel/http/guards.js';
import { problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import { decodeCursor, PageQuery, pageOf, toPage } from '../../kernel/pagination.js';
import { catalogReadAccess } from './access.js';
import {
  addOption,
  createAttribute,
  deleteAttribute,
  deleteOption,
  getAttribute,
  listAttributes,
  toAttributeView,
  updateAttribute,
  updateOption,
} from './attributes.service.js';
import {
  AttributeCreateBody,
  AttributePatchBody,
  Attribute as AttributeSchema,
  IdParams,
  LocaleQuery,
  OptionInput,
  OptionPatchBody,
  Uuid,
} from './contracts.js';
import { catalogRead, catalogWrite } from './errors.js';
import { localeChoiceOf, readSecurity, staffDetailOptions, writeSecurity } from './http.js';

const tags = ['attributes'];
const OptionParams = Type.Object({ id: Uuid, optionId: Uuid }, { additionalProperties: false });

/** Attribute definitions and their options: reads for everyone, changes with products.edit. */
export const attributeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/attributes',
    {
      preValidation: catalogReadAccess,
      schema: {
        tags,
        operationId: 'attributes.list',
        summary: 'Attribute definitions with their options, oldest first',
        description:
          'Open to everyone unless the tenant’s catalog requires signing in (then 401 for guests). Pages ' +
          'follow `nextCursor`.',
        security: readSecurity,
        headers: TenantHeaders,
        querystring: Type.Object(
          { ...PageQuery, locale: LocaleQuery.properties.locale },
          { additionalProperties: false },
        ),
        response: { 200: pageOf(AttributeSchema), ...problemResponses(401) },
      },
    },
    (request) =>
      catalogRead(request.ctx, async (tx) => {
        const { limit, cursor } = request.query;
        const rows = await listAttributes(tx, { limit, after: decodeCursor(cursor) });
        const choice = localeChoiceOf(request);
        return toPage(
          rows,
          limit,
          (r) => r.id,
          (r) => toAttributeView(r, choice),
        );
      }),
  );

  app.get(
    '/attributes/:id',
    {
      preValidation: catalogReadAccess,
      schema: {
        tags,
        operationId: 'attributes.get',
        summary: 'One attribute definition with its options',
        description:
          'Open to everyone unless the tenant’s catalog requires signing in (then 401 for guests).',
        security: readSecurity,
        headers: TenantHeaders,
        params: IdParams,
        querystring: LocaleQuery,
        response: { 200: AttributeSchema, ...problemResponses(401, 404) },
      },
    },
    (request) =>
      catalogRead(request.ctx, async (tx) =>
        toAttributeView(await getAttribute(tx, request.params.id), localeChoiceOf(request)),
      ),
  );

  app.post(
    '/attributes',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'attributes.create',
        summary: 'Create an attribute (enum types may bring their options)',
        description:
          'Needs products.edit. Types: text, number, boolean, enum (one option), multi_enum (several ' +
          'options). A code already used is 409 `catalog.code_taken`.',
        security: writeSecurity,
        body: AttributeCreateBody,
        response: { 201: AttributeSchema, ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const view = await catalogWrite(request.ctx, async (tx) =>
        toAttributeView(await createAttribute(tx, request.body), staffDetailOptions(request)),
      );
      return reply.code(201).send(view);
    },
  );

  app.patch(
    '/attributes/:id',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'attributes.update',
        summary: 'Change an attribute’s names, unit, filterability or position',
        description: 'Needs products.edit. Its code and type are fixed.',
        security: writeSecurity,
        params: IdParams,
        body: AttributePatchBody,
        response: { 200: AttributeSchema, ...problemResponses(401, 403, 404, 409) },
      },
    },
    (request) =>
      catalogWrite(request.ctx, async (tx) =>
        toAttributeView(
          await updateAttribute(tx, request.params.id, request.body),
          staffDetailOptions(request),
        ),
      ),
  );

  app.delete(
    '/attributes/:id',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'attributes.delete',
        summary: 'Delete an attribute with its options and every product’s value of it',
        description: 'Needs products.edit.',
        security: writeSecurity,
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await catalogWrite(request.ctx, (tx) => deleteAttribute(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/attributes/:id/options',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'attributes.options.create',
        summary: 'Add an option to an enum or multi_enum attribute',
        description:
          'Needs products.edit. Other types have no options (409 `catalog.options_not_allowed`); a code ' +
          'the attribute already has is 409 `catalog.code_taken`. Answers the whole attribute.',
        security: writeSecurity,
        params: IdParams,
        body: OptionInput,
        response: { 201: AttributeSchema, ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const view = await catalogWrite(request.ctx, async (tx) => {
        await addOption(tx, request.params.id, request.body);
        return toAttributeView(await getAttribute(tx, request.params.id), staffDetailOptions(request));
      });
      return reply.code(201).send(view);
    },
  );

  app.patch(
    '/attributes/:id/options/:optionId',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'attributes.options.update',
        summary: 'Change an option’s labels or position (its code is fixed)',
        description: 'Needs products.edit. Answers the whole attribute.',
        security: writeSecurity,
        params: OptionParams,
        body: OptionPatchBody,
        response: { 200: AttributeSchema, ...problemResponses(401, 403, 404, 409) },
      },
    },
    (request) =>
      catalogWrite(request.ctx, async (tx) => {
        await updateOption(tx, request.params.id, request.params.optionId, request.body);
        return toAttributeView(await getAttribute(tx, request.params.id), staffDetailOptions(request));
      }),
  );

  app.delete(
    '/attributes/:id/options/:optionId',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'attributes.options.delete',
        summary: 'Delete an option; products that had chosen it lose that choice',
        description: 'Needs products.edit.',
        security: writeSecurity,
        params: OptionParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await catalogWrite(request.ctx, (tx) => deleteOption(tx, request.params.id, request.params.optionId));
      return reply.code(204).send(null);
    },
  );
};
