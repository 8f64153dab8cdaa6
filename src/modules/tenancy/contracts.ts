import { type Static, Type } from '@sinclair/typebox';

export const TenantProfile = Type.Object(
  {
    slug: Type.String({ description: 'URL-safe identifier, sent as `X-Tenant`' }),
    name: Type.String(),
    defaultCurrency: Type.String({ description: 'ISO 4217 code', examples: ['TRY'] }),
    locale: Type.String({ description: 'BCP 47 tag', examples: ['tr-TR'] }),
  },
  { $id: 'TenantProfile', additionalProperties: false },
);
export type TenantProfile = Static<typeof TenantProfile>;

const AuthSettings = Type.Object(
  {
    requireEmailVerification: Type.Optional(Type.Boolean()),
    requireApproval: Type.Optional(Type.Boolean()),
    requireStaffMfa: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const CatalogSettings = Type.Object(
  {
    requireLogin: Type.Optional(
      Type.Boolean({ description: 'Products, categories and brands are shown to signed-in callers only' }),
    ),
  },
  { additionalProperties: false },
);

const FrontEndUrl = Type.String({
  maxLength: 300,
  pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$',
  description:
    'Base URL without query; emails link to <url>/verify-email?token=… and <url>/reset-password?token=…',
});

const LinkSettings = Type.Object(
  {
    storefrontUrl: Type.Optional(FrontEndUrl),
    adminUrl: Type.Optional(FrontEndUrl),
  },
  {
    additionalProperties: false,
    description:
      'Front ends that emails link to: customers to the storefront, staff to the admin panel. Unset: the server’s own pages at PUBLIC_URL/account.',
  },
);

const editableByTenant = {
  defaultCurrency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  locale: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$' })),
  auth: Type.Optional(AuthSettings),
  catalog: Type.Optional(CatalogSettings),
  links: Type.Optional(LinkSettings),
};

/** What a tenant's own administrators may change (`settings.manage`). */
export const TenantSettingsChanges = Type.Object(editableByTenant, {
  additionalProperties: false,
  minProperties: 1,
});

/** Everything a platform administrator may set, including the tenant's request limits. */
export const PlatformTenantSettings = Type.Object(
  {
    ...editableByTenant,
    rateLimits: Type.Optional(
      Type.Object(
        {
          userPerMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
          apiKeyPerMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
          ipPerMin: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        },
        { additionalProperties: false, description: 'Per-minute limits for this tenant, over the defaults' },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A tenant's settings as its administrators see them. */
export const TenantSettingsView = Type.Object({
  defaultCurrency: Type.String(),
  locale: Type.String(),
  auth: AuthSettings,
  catalog: CatalogSettings,
  links: LinkSettings,
  rateLimits: Type.Object(
    {
      userPerMin: Type.Optional(Type.Integer()),
      apiKeyPerMin: Type.Optional(Type.Integer()),
      ipPerMin: Type.Optional(Type.Integer()),
    },
    { description: 'Set by the platform; empty when the defaults apply' },
  ),
});
