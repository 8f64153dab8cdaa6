import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const fileRoutes: FastifyPluginAsyncTypebox = async () => {};
