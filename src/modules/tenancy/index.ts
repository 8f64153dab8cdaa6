export { TenantProfile } from './contracts.js';
export { type ResolvedTenant, TENANT_CACHE_TTL_MS, TenantDirectory } from './resolution.js';
export { tenancyRoutes } from './routes.js';
export { type TenantRow, type TenantStatus, tenants } from './schema.js';
export {
  type CreateTenantInput,
  createTenant,
  ensureTenant,
  findTenantBySlug,
  getCurrentTenantProfile,
} from './service.js';
