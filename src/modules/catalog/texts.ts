import type { Tx } from '../../db/tx.js';
import { tenantDirectoryOf } from '../tenancy/index.js';

/** Which locale's text to show, in order of preference. */
export interface LocaleChoice {
  /** What the caller asked for (`?locale=`), or the tenant's content language. */
  locale: string;
  /** The tenant's content language, used when the asked locale has no text. */
  fallback: string;
}

/**
 * The locale of `texts` to show: the one asked for, then its language without the region (en-GB →
 * en), then the tenant's content language, then the first there is (texts in some locale beat none).
 */
export function pickLocale(available: readonly string[], choice: LocaleChoice): string | undefined {
  const wanted = [choice.locale, choice.locale.split('-')[0]!, choice.fallback];
  return wanted.find((locale) => available.includes(locale)) ?? [...available].sort()[0];
}

/** The text of `texts` in the chosen locale (see pickLocale), or '' when there is none. */
export function pickText(texts: Record<string, string>, choice: LocaleChoice): string {
  const locale = pickLocale(Object.keys(texts), choice);
  return locale === undefined ? '' : (texts[locale] ?? '');
}

/**
 * The tenant's content language, for services that have no request at hand (the sort name of
 * products is kept in it). The tenant was resolved moments ago by the request, so this is a cache hit.
 */
export async function contentLocaleFor(tx: Tx): Promise<string> {
  const tenantId = tx.ctx.tenantId;
  if (!tenantId) return 'tr';
  const directory = tenantDirectoryOf(tx.ctx.runtime);
  const tenant = directory.resolveIdCached(tenantId) ?? (await directory.resolveId(tenantId));
  return tenant.contentLocale;
}
