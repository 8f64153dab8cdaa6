export { accountPages } from './account-pages.js';
export { adminRoutes } from './admin.routes.js';
export { authRoutes } from './auth.routes.js';
export { type BootstrapResult, bootstrapIdentity, DEFAULT_BOOTSTRAP_EMAIL } from './bootstrap.js';
export { registerIdentityJobs } from './jobs.js';
export { meRoutes } from './me.routes.js';
export {
  ALL_PERMISSIONS,
  BUILT_IN_ROLES,
  isPermission,
  PERMISSIONS,
  type Permission,
} from './permissions.js';
export { platformRoutes } from './platform.routes.js';
export { deferredIdentityError, deferredIdentityErrorHook, requestIdentityHook } from './request-identity.js';
export { listenForRevocations } from './revocations.js';
export { ensureBuiltInRoles } from './roles.service.js';
export { type UserRow, users } from './schema.js';
export {
  setUpTenant,
  type TenantOwner,
  type TenantSetup,
  type TenantSetupResult,
} from './tenant-setup.service.js';
export { createUser, findUserByEmail, type NewUser } from './users.service.js';
