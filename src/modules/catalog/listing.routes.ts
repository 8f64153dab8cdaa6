import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const productListingRoutes: FastifyPluginAsyncTypebox = async () => {};
