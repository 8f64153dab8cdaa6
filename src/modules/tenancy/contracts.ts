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
