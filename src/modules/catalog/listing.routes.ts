import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { strongEtagOf } from '../../kernel/http/etag.js';
import { problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import { acceptsGzip, sendReady } from '../../kernel/http/serialized.js';
import { catalogReadAccess, contentLocaleOf, seesUnpublished } from './access.js';
import { ProductListingPage } from './search/contracts.js';
import { productListingOf } from './search/listing.js';
import { ProductListingQuerystring, parseListingQuery } from './search/query-parser.js';

// Anonymous callers are welcome unless the tenant's catalog requires signing in.
const security: { [scheme: string]: string[] }[] = [{}, { bearer: [] }, { apiKey: [] }];

/** Product listing, facets and search: what storefronts, dealer portals and the admin list from. */
export const productListingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/products',
    {
      preValidation: catalogReadAccess,
      schema: {
        tags: ['products'],
        operationId: 'products.list',
        summary: 'List, filter and search products, with facet counts',
        description:
          'Filters combine with AND; values inside one filter with OR. Attribute filters: ' +
          '`attr.<code>=<option>[,<option>]` (enum, multi-enum), `attr.<code>=true|false` (boolean), ' +
          '`attr.<code>=<n>[,<n>]`, `attr.<code>.min=<n>`, `attr.<code>.max=<n>` (number); only filterable ' +
          'attributes. Customers and guests see active products only; staff with products.view see every ' +
          'status. Pages follow `nextCursor` (keyset: nothing is skipped or repeated while paging). ' +
          'Pages for customers and guests may be up to 5 seconds old.',
        security,
        headers: TenantHeaders,
        querystring: ProductListingQuerystring,
        response: { 200: ProductListingPage, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      const staff = seesUnpublished(request.ctx.actor);
      const page = await productListingOf(request.ctx.runtime).list(
        request.ctx,
        parseListingQuery(request.query, { staff, contentLocale: contentLocaleOf(request) }),
      );
      // A cached page is serialized (by this route's response schema), encoded, tagged and, once a
      // caller takes gzip, compressed once, not on every hit. Staff pages are made per request: the
      // compression hook compresses those.
      page.body ??= Buffer.from(reply.serialize(page.result) as string);
      page.etag ??= strongEtagOf(page.body);
      const gzipAccepted = acceptsGzip(request.headers['accept-encoding']);
      if (!staff && gzipAccepted) page.gzip ??= gzipSync(page.body);
      return sendReady(reply, { json: page.body, etag: page.etag, gzip: page.gzip }, gzipAccepted);
    },
  );
};
