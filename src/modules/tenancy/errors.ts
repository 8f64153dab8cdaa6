import { defineErrors } from '../../kernel/error-registry.js';

export const tenancyErrors = defineErrors('Tenants', {
  'tenant.not_found': {
    status: 404,
    meaning: 'No tenant has the slug `X-Tenant` names (or the id given).',
  },
  'tenant.suspended': {
    status: 403,
    meaning: 'The tenant is suspended: its API answers nothing else until the platform reinstates it.',
  },
  'tenant.required': {
    status: 400,
    meaning:
      "The route works on one tenant's data and the request names none: send `X-Tenant`, or a tenant's credentials.",
  },
  'tenant.slug_taken': {
    status: 409,
    meaning: 'Another tenant has this slug (field `slug`).',
  },
});
