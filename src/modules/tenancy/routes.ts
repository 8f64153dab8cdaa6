import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withTx } from '../../db/tx.js';
import { problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import { TenantProfile } from './contracts.js';
import { getCurrentTenantProfile } from './service.js';

export const tenancyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tenant',
    {
      schema: {
        tags: ['tenancy'],
        summary: 'The current tenant’s public profile',
        description: 'The tenant is taken from the credentials, else `X-Tenant`, else the default tenant.',
        headers: TenantHeaders,
        response: { 200: TenantProfile, ...problemResponses(404, 403) },
      },
    },
    (request) => withTx(request.ctx, getCurrentTenantProfile, { readOnly: true }),
  );
};
