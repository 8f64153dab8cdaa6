import { Type } from '@sinclair/typebox';
import { Nullable } from '../../kernel/http/schemas.js';
import { MAX_PASSWORD_LENGTH } from './passwords.js';

// Bounded everywhere: an oversized field is a 400 before any work is done.
// Plain on purpose (one @, a dotted domain, no spaces): internationalised addresses such as
// ayşe@örnek.com.tr are valid; the verification email is the real check.
export const Email = Type.String({
  pattern: '^[^\\s@]{1,64}@[^\\s@]+\\.[^\\s@]{2,}$',
  maxLength: 254,
  description: 'Case-insensitive; Turkish İ/I/ı fold to i',
});
export const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH });
export const NewPassword = Type.String({
  minLength: 10,
  maxLength: MAX_PASSWORD_LENGTH,
  description: 'At least 10 characters; not a common password; not containing the email',
});
export const PersonName = Type.String({ minLength: 1, maxLength: 200 });
export const Locale = Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$', maxLength: 10 });
export const Phone = Type.String({ pattern: '^\\+?[0-9 ()-]{5,30}$', maxLength: 30 });
export const Token = Type.String({ minLength: 1, maxLength: 200 });
export const Uuid = Type.String({ format: 'uuid' });
export const RoleKey = Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' });
export const PermissionName = Type.String({ pattern: '^[a-z]+\\.[a-z_]+$', maxLength: 64 });

export const UserKind = Type.Union([
  Type.Literal('staff'),
  Type.Literal('customer'),
  Type.Literal('platform'),
]);
export const UserStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('pending_verification'),
  Type.Literal('pending_approval'),
  Type.Literal('deactivated'),
  Type.Literal('erased'),
]);

export const User = Type.Object(
  {
    id: Type.String(),
    kind: UserKind,
    email: Type.String(),
    name: Type.String(),
    status: UserStatus,
    emailVerified: Type.Boolean(),
    mfaEnabled: Type.Boolean(),
    locale: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    roles: Type.Array(Type.String()),
    lastLoginAt: Nullable(Type.String({ format: 'date-time' })),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { description: 'A user (never its password or second-factor secrets)' },
);

export const Me = Type.Composite([
  Type.Omit(User, []),
  Type.Object({ tenantId: Nullable(Type.String()), permissions: Type.Array(Type.String()) }),
]);

export const TokenPair = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  refreshToken: Type.String({ description: 'Single use: each refresh returns a new one' }),
  refreshExpiresAt: Type.String({ format: 'date-time' }),
  sessionId: Type.String(),
  mfaSetupRequired: Type.Boolean({
    description: 'The tenant requires 2FA: until it is set up the token reaches /me only',
  }),
});

export const CookieSession = Type.Object({
  expiresIn: Type.Integer(),
  refreshExpiresAt: Type.String({ format: 'date-time' }),
  sessionId: Type.String(),
  csrfToken: Type.String({ description: 'Also in the carsi_csrf cookie; send it as X-CSRF-Token' }),
  mfaSetupRequired: Type.Boolean(),
});

export const LoginResult = Type.Union([
  Type.Composite([TokenPair, Type.Object({ user: User })]),
  Type.Composite([CookieSession, Type.Object({ user: User })]),
  Type.Object({ mfaRequired: Type.Literal(true), mfaToken: Type.String() }),
]);

export const ModeQuery = Type.Object(
  { mode: Type.Optional(Type.Union([Type.Literal('token'), Type.Literal('cookie')], { default: 'token' })) },
  { additionalProperties: false },
);

export const Accepted = Type.Object({ accepted: Type.Literal(true) });

export const Session = Type.Object({
  id: Type.String(),
  current: Type.Boolean(),
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  remember: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const Role = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  audience: Type.Union([Type.Literal('staff'), Type.Literal('customer')]),
  permissions: Type.Array(Type.String()),
  builtIn: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  allowedIps: Nullable(Type.Array(Type.String())),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actorType: Type.String(),
  actorId: Nullable(Type.String()),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Nullable(Type.String()),
  before: Type.Unknown(),
  after: Type.Unknown(),
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
});

/** A message in the outbox as staff see it: never its body or variables, which may hold secrets. */
export const OutboundMessage = Type.Object({
  id: Type.String(),
  channel: Type.String(),
  recipient: Type.String(),
  subject: Type.String(),
  template: Type.String(),
  status: Type.String(),
  error: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  deliveredAt: Nullable(Type.String({ format: 'date-time' })),
});

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
