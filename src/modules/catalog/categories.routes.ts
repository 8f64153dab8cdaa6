import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requirePermission } from '../../kernel/http/guards.js';
import { problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import { catalogReadAccess } from './access.js';
import {
  categoryDetail,
  categoryTree,
  childCategories,
  createCategory,
  deleteCategory,
  findCategory,
  getCategory,
  setCategoryAttributes,
  toCategoryView,
  updateCategory,
} from './categories.service.js';
import {
  CategoryAttributesBody,
  CategoryCreateBody,
  CategoryDetail,
  CategoryPatchBody,
  Category as CategorySchema,
  IdOrSlugParams,
  IdParams,
  LOCALE_PATTERN,
  Uuid,
} from './contracts.js';
import { catalogRead, catalogWrite } from './errors.js';
import { localeChoiceOf, readSecurity, staffDetailOptions, writeSecurity } from './http.js';

const tags = ['categories'];
const LocaleParam = Type.Optional(Type.String({ pattern: LOCALE_PATTERN, maxLength: 5 }));

/** The category tree: reads for everyone, changes with products.edit. */
export const categoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/categories',
    {
      preValidation: catalogReadAccess,
      schema: {
        tags,
        operationId: 'categories.list',
        summary: 'The category tree, or the children of one category',
        description:
          'Open to everyone unless the tenant’s catalog requires signing in (then 401 for guests). Without ' +
          'parentId: every category, each followed by its subtree, siblings by position (a tree is not ' +
          'paged: a page boundary would cut branches). With parentId: its children by position.',
        security: readSecurity,
        headers: TenantHeaders,
        querystring: Type.Object(
          { parentId: Type.Optional(Uuid), locale: LocaleParam },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(CategorySchema) }), ...problemResponses(401, 404) },
      },
    },
    (request) =>
      catalogRead(request.ctx, async (tx) => {
        const choice = localeChoiceOf(request);
        const nodes = request.query.parentId
          ? await childCategories(tx, request.query.parentId)
          : await categoryTree(tx);
        return { items: nodes.map((node) => toCategoryView(node, choice)) };
      }),
  );

  app.get(
    '/categories/:id',
    {
      preValidation: catalogReadAccess,
      schema: {
        tags,
        operationId: 'categories.get',
        summary: 'One category with its breadcrumbs, children and attributes',
        description:
          'Open to everyone unless the tenant’s catalog requires signing in (then 401 for guests). By id ' +
          'or by slug in any locale.',
        security: readSecurity,
        headers: TenantHeaders,
        params: IdOrSlugParams,
        querystring: Type.Object({ locale: LocaleParam }, { additionalProperties: false }),
        response: { 200: CategoryDetail, ...problemResponses(401, 404) },
      },
    },
    (request) =>
      catalogRead(request.ctx, async (tx) => {
        const choice = localeChoiceOf(request);
        return categoryDetail(tx, await findCategory(tx, request.params.id, choice), choice);
      }),
  );

  app.post(
    '/categories',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'categories.create',
        summary: 'Create a category',
        description:
          'Needs products.edit. Slugs left out are made from the names; a given slug that is taken is 409.',
        security: writeSecurity,
        body: CategoryCreateBody,
        response: { 201: CategoryDetail, ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const detail = await catalogWrite(request.ctx, async (tx) =>
        categoryDetail(tx, await createCategory(tx, request.body), staffDetailOptions(request)),
      );
      return reply.code(201).send(detail);
    },
  );

  app.patch(
    '/categories/:id',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'categories.update',
        summary: 'Change, reorder or move a category',
        description:
          'Needs products.edit. A new parentId (null: make it a root) moves the category with its subtree; ' +
          'moving it under itself or its own descendant is 409 catalog.category_cycle. A position places ' +
          'it among its siblings, moving those at or after it down one place.',
        security: writeSecurity,
        params: IdParams,
        body: CategoryPatchBody,
        response: { 200: CategoryDetail, ...problemResponses(401, 403, 404, 409) },
      },
    },
    (request) =>
      catalogWrite(request.ctx, async (tx) =>
        categoryDetail(
          tx,
          await updateCategory(tx, request.params.id, request.body),
          staffDetailOptions(request),
        ),
      ),
  );

  app.delete(
    '/categories/:id',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'categories.delete',
        summary: 'Delete a category without subcategories',
        description:
          'Needs products.edit. Its products stay and lose this category. 409 ' +
          'catalog.category_has_children otherwise.',
        security: writeSecurity,
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await catalogWrite(request.ctx, (tx) => deleteCategory(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/categories/:id/attributes',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'categories.attributes.replace',
        summary: 'Set the attributes of a category’s products',
        description:
          'Needs products.edit. Replaces the list. Subcategories inherit them; a required attribute must ' +
          'have a value on every active product in the category or below it (checked when a product is ' +
          'saved).',
        security: writeSecurity,
        params: IdParams,
        body: CategoryAttributesBody,
        response: { 200: CategoryDetail, ...problemResponses(401, 403, 404, 409) },
      },
    },
    (request) =>
      catalogWrite(request.ctx, async (tx) => {
        await setCategoryAttributes(tx, request.params.id, request.body);
        return categoryDetail(tx, await getCategory(tx, request.params.id), staffDetailOptions(request));
      }),
  );
};
