export {
  PlatformTenantSettings,
  TenantProfile,
  TenantSettingsChanges,
  TenantSettingsView,
} from './contracts.js';
export { TENANT_LANGUAGE_CHANGED, type TenantLanguageChange } from './events.js';
export {
  contentLanguageOf,
  type ResolvedTenant,
  TENANT_CACHE_TTL_MS,
  TenantDirectory,
  tenantDirectoryOf,
} from './resolution.js';
export { tenancyRoutes } from './routes.js';
export {
  type TenantAuthSettings,
  type TenantRow,
  type TenantSettings,
  type TenantStatus,
  tenants,
} from './schema.js';
export {
  type CreateTenantInput,
  createTenant,
  ensureTenant,
  findTenantBySlug,
  getCurrentTenantProfile,
  getCurrentTenantSettings,
  getTenant,
  listTenants,
  type TenantChanges,
  toProfile,
  updateTenant,
} from './service.js';
