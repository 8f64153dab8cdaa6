/**
 * Emitted in the transaction that changes a tenant's content language (the language of its `locale`
 * setting), for modules that keep texts or pages made in it.
 */
export const TENANT_LANGUAGE_CHANGED = 'tenant.content_language_changed';

export interface TenantLanguageChange {
  from: string;
  to: string;
}
