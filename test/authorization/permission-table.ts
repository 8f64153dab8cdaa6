/**
 * Who may call each state-changing route of the API: the table the authorization matrix test
 * (authorization-matrix.test.ts) holds the running server to. A route missing here fails that test.
 *
 * - `needs`: a signed-in user or API key holding every one of these permissions;
 * - `staffNeeds`: a staff user (not an API key, not a customer) holding every one of these;
 * - `staffByTarget`: a staff user (not an API key) holding customers.edit when the target user is a
 *   customer, users.manage when it is staff;
 * - `tenantMember`: any signed-in user or API key of the tenant (finer rules per file, in files/access.ts);
 * - `platform`: platform administrators only;
 * - `signedIn`: any signed-in user, about itself (its profile, sessions, second factor);
 * - `anyone`: no credentials needed (sign-up, sign-in, emailed tokens).
 */
export type Rule =
  | { needs: string[] }
  | { staffNeeds: string[] }
  | { staffByTarget: true }
  | { tenantMember: true }
  | { platform: true }
  | { signedIn: true }
  | { anyone: true };

const products = { needs: ['products.edit'] };

export const PERMISSION_TABLE: Record<string, Rule> = {
  'PATCH /api/v1/tenant/settings': { needs: ['settings.manage'] },

  'POST /api/v1/roles': { needs: ['roles.manage'] },
  'PATCH /api/v1/roles/{id}': { needs: ['roles.manage'] },
  'DELETE /api/v1/roles/{id}': { needs: ['roles.manage'] },
  'POST /api/v1/users': { needs: ['users.manage'] },
  'PATCH /api/v1/users/{id}': { needs: ['users.manage'] },
  'PUT /api/v1/users/{id}/roles': { needs: ['users.manage'] },
  'POST /api/v1/users/{id}/deactivate': { needs: ['users.manage'] },
  'POST /api/v1/users/{id}/reactivate': { needs: ['users.manage'] },
  'POST /api/v1/users/{id}/erase': { staffByTarget: true },
  'POST /api/v1/api-keys': { staffNeeds: ['apikeys.manage'] },
  'DELETE /api/v1/api-keys/{id}': { needs: ['apikeys.manage'] },

  'POST /api/v1/files': { tenantMember: true },
  'DELETE /api/v1/files/{id}': { tenantMember: true },
  'POST /api/v1/files/{id}/signed-url': { tenantMember: true },

  'POST /api/v1/products': { needs: ['products.create'] },
  'PATCH /api/v1/products/{id}': products,
  'DELETE /api/v1/products/{id}': { needs: ['products.delete'] },
  'POST /api/v1/products/{id}/variants': products,
  'PATCH /api/v1/products/{id}/variants/{variantId}': products,
  'DELETE /api/v1/products/{id}/variants/{variantId}': products,
  'POST /api/v1/products/{id}/images': products,
  'PATCH /api/v1/products/{id}/images/{imageId}': products,
  'DELETE /api/v1/products/{id}/images/{imageId}': products,
  'PUT /api/v1/products/{id}/images/order': products,
  'POST /api/v1/products/import': { needs: ['products.create', 'products.edit'] },
  'POST /api/v1/categories': products,
  'PATCH /api/v1/categories/{id}': products,
  'DELETE /api/v1/categories/{id}': products,
  'PUT /api/v1/categories/{id}/attributes': products,
  'POST /api/v1/brands': products,
  'PATCH /api/v1/brands/{id}': products,
  'DELETE /api/v1/brands/{id}': products,
  'POST /api/v1/attributes': products,
  'PATCH /api/v1/attributes/{id}': products,
  'DELETE /api/v1/attributes/{id}': products,
  'POST /api/v1/attributes/{id}/options': products,
  'PATCH /api/v1/attributes/{id}/options/{optionId}': products,
  'DELETE /api/v1/attributes/{id}/options/{optionId}': products,

  'POST /api/v1/platform/tenants': { platform: true },
  'PATCH /api/v1/platform/tenants/{id}': { platform: true },

  'PATCH /api/v1/me': { signedIn: true },
  'POST /api/v1/me/password': { signedIn: true },
  'DELETE /api/v1/me/sessions/{id}': { signedIn: true },
  'POST /api/v1/me/2fa/setup': { signedIn: true },
  'POST /api/v1/me/2fa/enable': { signedIn: true },
  'POST /api/v1/me/2fa/disable': { signedIn: true },
  'POST /api/v1/me/erase': { signedIn: true },
  'POST /api/v1/auth/logout': { signedIn: true },
  'POST /api/v1/auth/logout-all': { signedIn: true },
  'POST /api/v1/platform/auth/logout': { signedIn: true },
  'POST /api/v1/platform/auth/logout-all': { signedIn: true },

  'POST /api/v1/auth/login': { anyone: true },
  'POST /api/v1/auth/mfa': { anyone: true },
  'POST /api/v1/auth/refresh': { anyone: true },
  'POST /api/v1/auth/register': { anyone: true },
  'POST /api/v1/auth/forgot-password': { anyone: true },
  'POST /api/v1/auth/reset-password': { anyone: true },
  'POST /api/v1/auth/verify-email': { anyone: true },
  'POST /api/v1/auth/resend-verification': { anyone: true },
  'POST /api/v1/platform/auth/login': { anyone: true },
  'POST /api/v1/platform/auth/mfa': { anyone: true },
  'POST /api/v1/platform/auth/refresh': { anyone: true },
};
