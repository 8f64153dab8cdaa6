import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withTx } from '../../db/tx.js';
import { requirePermission } from '../../kernel/http/guards.js';
import { problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import { TenantProfile, TenantSettingsChanges, TenantSettingsView } from './contracts.js';
import {
  getCurrentTenantProfile,
  getCurrentTenantSettingsView,
  updateCurrentTenantSettings,
} from './service.js';

const security: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];

export const tenancyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tenant',
    {
      schema: {
        tags: ['tenancy'],
        operationId: 'tenant.get',
        summary: 'The current tenant’s public profile',
        description:
          'Open to everyone, signed in or not. The tenant is taken from the credentials, else `X-Tenant`, ' +
          'else the default tenant: a storefront reads its name, currency and locale here.',
        headers: TenantHeaders,
        response: { 200: TenantProfile, ...problemResponses() },
      },
    },
    (request) => withTx(request.ctx, getCurrentTenantProfile, { readOnly: true }),
  );

  app.get(
    '/tenant/settings',
    {
      preValidation: requirePermission('settings.manage'),
      schema: {
        tags: ['tenancy'],
        operationId: 'tenant.settings.get',
        summary: 'The tenant’s settings (sign-up rules, catalog visibility, locale, currency)',
        description:
          'Needs settings.manage. `rateLimits` shows the request limits the platform set for the tenant ' +
          '(empty when the defaults apply).',
        security,
        response: { 200: TenantSettingsView, ...problemResponses(401, 403) },
      },
    },
    (request) => withTx(request.ctx, getCurrentTenantSettingsView, { readOnly: true }),
  );

  app.patch(
    '/tenant/settings',
    {
      preValidation: requirePermission('settings.manage'),
      schema: {
        tags: ['tenancy'],
        operationId: 'tenant.settings.update',
        summary: 'Change the tenant’s settings; nested objects are merged, a key set to null is removed',
        description:
          'Needs settings.manage. Request limits are set by the platform (`PATCH /platform/tenants/{id}`).',
        security,
        body: TenantSettingsChanges,
        response: { 200: TenantSettingsView, ...problemResponses(400, 401, 403) },
      },
    },
    (request) => withTx(request.ctx, (tx) => updateCurrentTenantSettings(tx, request.body)),
  );
};
