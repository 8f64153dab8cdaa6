import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requirePermission } from '../../kernel/http/guards.js';
import { problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import { acceptsGzip, sendReady } from '../../kernel/http/serialized.js';
import { catalogReadAccess } from './access.js';
import {
  IdOrSlugParams,
  IdParams,
  ImageCreateBody,
  ImageOrderBody,
  ImagePatchBody,
  LocaleQuery,
  ProductCreateBody,
  ProductDetail,
  ProductImage,
  ProductPatchBody,
  Uuid,
  Variant,
  VariantInput,
  VariantPatch,
} from './contracts.js';
import { catalogRead, catalogWrite } from './errors.js';
import { detailOptionsOf, readSecurity, staffDetailOptions, writeSecurity } from './http.js';
import { addImage, deleteImage, reorderImages, updateImage } from './images.service.js';
import { productDetail, variantView } from './product-detail.js';
import { servedProductPage } from './product-pages.js';
import { createProduct, deleteProduct, updateProduct } from './products.service.js';
import { addVariant, deleteVariant, updateVariant } from './variants.service.js';

const tags = ['products'];
const VariantParams = Type.Object({ id: Uuid, variantId: Uuid }, { additionalProperties: false });
const ImageParams = Type.Object({ id: Uuid, imageId: Uuid }, { additionalProperties: false });

/** Products with their variants and images: the product page read, and every write. */
export const productRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/products/:id',
    {
      preValidation: catalogReadAccess,
      schema: {
        tags,
        operationId: 'products.get',
        summary: 'One product with variants, images, attributes, categories and brand',
        description:
          'By id or by slug in any locale. Guests and customers see active products and their active ' +
          'variants only (a draft is 404 to them); staff and API keys with products.view see everything, ' +
          'stock quantities included. 401 for guests when the tenant’s catalog requires login.',
        security: readSecurity,
        headers: TenantHeaders,
        params: IdOrSlugParams,
        querystring: LocaleQuery,
        response: { 200: ProductDetail, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const gzipAccepted = acceptsGzip(request.headers['accept-encoding']);
      const page = await catalogRead(request.ctx, (tx) =>
        servedProductPage(tx, request.params.id, detailOptionsOf(request), gzipAccepted ? 'gzip' : 'text'),
      );
      if (!('etag' in page)) return page;
      // A stored page was serialized by this same schema, tagged and compressed when it was made.
      return sendReady(reply, page, gzipAccepted);
    },
  );

  app.post(
    '/products',
    {
      preValidation: requirePermission('products.create'),
      schema: {
        tags,
        operationId: 'products.create',
        summary: 'Create a product with its variants, texts, categories, attribute values and images',
        description:
          'Needs products.create. One transaction: either all of it is stored or nothing. Slugs left out ' +
          'are made from the names (Turkish letters transliterated) with a numeric suffix when taken; a ' +
          'given slug that is taken is 409 catalog.slug_taken.',
        security: writeSecurity,
        body: ProductCreateBody,
        response: { 201: ProductDetail, ...problemResponses(401, 403, 409) },
      },
    },
    async (request, reply) => {
      const detail = await catalogWrite(request.ctx, async (tx) =>
        productDetail(tx, await createProduct(tx, request.body), staffDetailOptions(request)),
      );
      return reply.code(201).send(detail);
    },
  );

  app.patch(
    '/products/:id',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'products.update',
        summary: 'Change a product',
        description:
          'Needs products.edit. Given lists (categoryIds, attributes) replace the old ones; translations ' +
          'change per locale (null removes one). Renaming keeps the slug; send a slug to change it.',
        security: writeSecurity,
        params: IdParams,
        body: ProductPatchBody,
        response: { 200: ProductDetail, ...problemResponses(401, 403, 404, 409) },
      },
    },
    (request) =>
      catalogWrite(request.ctx, async (tx) => {
        await updateProduct(tx, request.params.id, request.body);
        return productDetail(tx, request.params.id, staffDetailOptions(request));
      }),
  );

  app.delete(
    '/products/:id',
    {
      preValidation: requirePermission('products.delete'),
      schema: {
        tags,
        operationId: 'products.delete',
        summary: 'Delete a product',
        description:
          'Needs products.delete. It is 404 from then on; its SKUs, slugs and external id can be used again.',
        security: writeSecurity,
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await catalogWrite(request.ctx, (tx) => deleteProduct(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  // --- Variants ------------------------------------------------------------------------------

  app.post(
    '/products/:id/variants',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'products.variants.create',
        summary: 'Add a variant',
        description:
          'Needs products.edit. A SKU another live variant uses is 409 `catalog.sku_taken`. Answers the ' +
          'variant as staff see it, stock included.',
        security: writeSecurity,
        params: IdParams,
        body: VariantInput,
        response: { 201: Variant, ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const variant = await catalogWrite(request.ctx, (tx) =>
        addVariant(tx, request.params.id, request.body),
      );
      return reply.code(201).send(variantView(variant, true));
    },
  );

  app.patch(
    '/products/:id/variants/:variantId',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'products.variants.update',
        summary: 'Change a variant',
        description:
          'Needs products.edit. Only the fields sent change; a SKU another live variant uses is 409 ' +
          '`catalog.sku_taken`.',
        security: writeSecurity,
        params: VariantParams,
        body: VariantPatch,
        response: { 200: Variant, ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request) =>
      variantView(
        await catalogWrite(request.ctx, (tx) =>
          updateVariant(tx, request.params.id, request.params.variantId, request.body),
        ),
        true,
      ),
  );

  app.delete(
    '/products/:id/variants/:variantId',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'products.variants.delete',
        summary: 'Delete a variant (not the last one)',
        description:
          'Needs products.edit. Its SKU can be used again at once; images of this variant are deleted with ' +
          'it. The last variant is 409 `catalog.last_variant`.',
        security: writeSecurity,
        params: VariantParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await catalogWrite(request.ctx, (tx) => deleteVariant(tx, request.params.id, request.params.variantId));
      return reply.code(204).send(null);
    },
  );

  // --- Images --------------------------------------------------------------------------------

  app.post(
    '/products/:id/images',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'products.images.create',
        summary: 'Add an uploaded image to a product (or to one of its variants)',
        description:
          'Needs products.edit. The file must be a public image upload of this tenant; a product has at ' +
          'most 100 images (409 `catalog.too_many_images`).',
        security: writeSecurity,
        params: IdParams,
        body: ImageCreateBody,
        response: { 201: ProductImage, ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const image = await catalogWrite(request.ctx, async (tx) => {
        const added = await addImage(tx, request.params.id, request.body);
        const detail = await productDetail(tx, request.params.id, staffDetailOptions(request));
        return detail.images.find((i) => i.id === added.id)!;
      });
      return reply.code(201).send(image);
    },
  );

  app.patch(
    '/products/:id/images/:imageId',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'products.images.update',
        summary: 'Change an image’s alt texts, variant or position',
        description: 'Needs products.edit.',
        security: writeSecurity,
        params: ImageParams,
        body: ImagePatchBody,
        response: { 200: ProductImage, ...problemResponses(401, 403, 404, 409) },
      },
    },
    (request) =>
      catalogWrite(request.ctx, async (tx) => {
        await updateImage(tx, request.params.id, request.params.imageId, request.body);
        const detail = await productDetail(tx, request.params.id, staffDetailOptions(request));
        return detail.images.find((i) => i.id === request.params.imageId)!;
      }),
  );

  app.delete(
    '/products/:id/images/:imageId',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'products.images.delete',
        summary: 'Remove an image from a product',
        description: 'Needs products.edit. The uploaded file itself stays (it may be used elsewhere).',
        security: writeSecurity,
        params: ImageParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await catalogWrite(request.ctx, (tx) => deleteImage(tx, request.params.id, request.params.imageId));
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/products/:id/images/order',
    {
      preValidation: requirePermission('products.edit'),
      schema: {
        tags,
        operationId: 'products.images.reorder',
        summary: 'Reorder a product’s images',
        description:
          'Needs products.edit. `imageIds` lists every image of the product, in the new order; answers the ' +
          'images in that order.',
        security: writeSecurity,
        params: IdParams,
        body: ImageOrderBody,
        response: {
          200: Type.Object({ items: Type.Array(ProductImage) }),
          ...problemResponses(401, 403, 404, 409),
        },
      },
    },
    (request) =>
      catalogWrite(request.ctx, async (tx) => {
        await reorderImages(tx, request.params.id, request.body.imageIds);
        return { items: (await productDetail(tx, request.params.id, staffDetailOptions(request))).images };
      }),
  );
};
