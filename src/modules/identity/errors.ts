import { defineErrors } from '../../kernel/error-registry.js';

/** Signing in, tokens, two-factor authentication, passwords. (`auth.unauthenticated` and `auth.forbidden` are the kernel's.) */
export const authErrors = defineErrors('Signing in and credentials', {
  'auth.invalid_credentials': {
    status: 401,
    meaning: 'The email or password is wrong, or the account cannot sign in; the answer does not say which.',
  },
  'auth.invalid_token': {
    status: [400, 401],
    meaning:
      '401: the access token is malformed, invalid or expired (refresh it); 400: an emailed link (password reset, email confirmation) is invalid, used or expired.',
  },
  'auth.invalid_refresh_token': {
    status: 401,
    meaning: 'The refresh token is missing, invalid, already used, revoked or expired: sign in again.',
  },
  'auth.session_ended': {
    status: 401,
    meaning:
      'The session of this access token has ended (signed out, revoked, account deactivated): sign in again.',
  },
  'auth.invalid_api_key': {
    status: 401,
    meaning: 'The `X-API-Key` is unknown, expired or revoked.',
  },
  'auth.api_key_owner_inactive': {
    status: 401,
    meaning: 'The user who made the API key is no longer active: an active user must make a new key.',
  },
  'auth.api_key_owner_lacks_scopes': {
    status: 401,
    meaning: 'The user who made the API key no longer holds some of its scopes: make a new key.',
  },
  'auth.tenant_mismatch': {
    status: 401,
    meaning: 'The credentials belong to another tenant than `X-Tenant` names: drop the header or fix it.',
  },
  'auth.invalid_mfa_token': {
    status: 401,
    meaning: 'The sign-in step awaiting a two-factor code has expired or is unknown: sign in again.',
  },
  'auth.invalid_mfa_code': {
    status: [400, 401],
    meaning:
      'The two-factor code is wrong or already used: 401 when signing in, 400 (field `code`) when turning two-factor on.',
  },
  'auth.ip_not_allowed': {
    status: 403,
    meaning: 'This API key may be used only from its allowed addresses, and the request came from another.',
  },
  'auth.csrf': {
    status: 403,
    meaning: 'A state-changing request with cookie credentials must echo the CSRF cookie in `X-CSRF-Token`.',
  },
  'auth.email_not_verified': {
    status: 403,
    meaning: 'The account has not confirmed its email address yet: follow the link sent to it.',
  },
  'auth.pending_approval': {
    status: 403,
    meaning: 'The account is waiting for the merchant to approve it.',
  },
  'auth.wrong_password': {
    status: 403,
    meaning: 'The current password given to change the password is wrong (field `currentPassword`).',
  },
  'auth.confirmation_failed': {
    status: 403,
    meaning:
      'A sensitive change (turning two-factor off, erasing the account) needs the password or a current two-factor code, and the one given is wrong.',
  },
  'auth.weak_password': {
    status: 400,
    meaning:
      'The password is too short or too long, one of the most common ones, or contains the email address; `errors` says which.',
  },
  'auth.same_password': {
    status: 400,
    meaning: 'The new password is the current one (field `newPassword`).',
  },
  'auth.mfa_already_enabled': {
    status: 409,
    meaning: 'Two-factor authentication is already on: turn it off first to set it up again.',
  },
  'auth.mfa_not_set_up': {
    status: 409,
    meaning: 'Turning two-factor on needs a secret first: call `POST /me/2fa/setup`.',
  },
  'auth.mfa_not_enabled': {
    status: 409,
    meaning: 'Two-factor authentication is already off.',
  },
});

export const userErrors = defineErrors('Users', {
  'users.not_found': {
    status: 404,
    meaning: 'No user with this id in the tenant (or it was erased).',
  },
  'users.email_taken': {
    status: 409,
    meaning: 'An account with this email already exists in the tenant (field `email`).',
  },
  'users.cannot_change_own_roles': {
    status: 403,
    meaning: 'Nobody may change their own roles: another administrator must.',
  },
  'users.outranks_you': {
    status: 403,
    meaning: 'The user holds permissions the caller does not, so the caller may not manage them.',
  },
  'users.cannot_deactivate_self': {
    status: 409,
    meaning: 'Nobody may deactivate their own account.',
  },
  'users.last_super_admin': {
    status: 409,
    meaning: 'The tenant’s last active super_admin cannot be erased; make another super_admin first.',
  },
});

export const roleErrors = defineErrors('Roles and permissions', {
  'roles.not_found': {
    status: [400, 404],
    meaning: '404: no role with this id; 400: a role key given to assign (field `roles`) does not exist.',
  },
  'roles.key_taken': {
    status: 409,
    meaning: 'A role with this key already exists (field `key`).',
  },
  'roles.built_in': {
    status: 409,
    meaning: 'Built-in roles can be edited but not deleted.',
  },
  'roles.in_use': {
    status: 409,
    meaning: 'Users still hold the role: take it from them before deleting it.',
  },
  'roles.unknown_permission': {
    status: 400,
    meaning:
      'A permission given is not one the server knows (field `permissions`); `GET` the permissions to see them.',
  },
  'roles.staff_permission': {
    status: 400,
    meaning: 'A customer role cannot hold staff-only permissions.',
  },
  'roles.wrong_audience': {
    status: 400,
    meaning:
      'A role given is for the other kind of user (staff roles for staff, customer roles for customers).',
  },
  'roles.permission_not_held': {
    status: 403,
    meaning: 'The caller may not grant permissions they do not hold themselves.',
  },
  'roles.super_admin_only': {
    status: 403,
    meaning: 'Only a super_admin may do this, as it decides who holds what.',
  },
  'roles.cannot_edit_own_role': {
    status: 403,
    meaning: 'Nobody may change a role they hold themselves.',
  },
  'roles.super_admin_fixed': {
    status: 409,
    meaning: '`super_admin` always holds every permission; its permissions cannot be changed.',
  },
});

export const apiKeyErrors = defineErrors('API keys', {
  'apikeys.not_found': {
    status: 404,
    meaning: 'No API key with this id in the tenant.',
  },
  'apikeys.unknown_scope': {
    status: 400,
    meaning: 'A scope given is not a permission the server knows (field `scopes`).',
  },
  'apikeys.scope_exceeds_creator': {
    status: 403,
    meaning: 'A key cannot hold scopes its creator does not hold (field `scopes`).',
  },
  'apikeys.invalid_ip': {
    status: 400,
    meaning: 'An allowed address is not an IP address or IPv4 range (field `allowedIps`).',
  },
  'apikeys.expiry_in_past': {
    status: 400,
    meaning: '`expiresAt` must be in the future.',
  },
});

export const sessionErrors = defineErrors('Sessions', {
  'sessions.not_found': {
    status: 404,
    meaning: 'No session of yours has this id (it may already have ended).',
  },
});
