import type { FastifyRequest } from 'fastify';
import { contentLocaleOf, seesUnpublished } from './access.js';
import type { DetailOptions } from './product-detail.js';

/** Writes need credentials holding the route's permission. */
export const writeSecurity: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];
/** Reads are open to guests unless the tenant requires login (the empty entry: no credentials). */
export const readSecurity: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }, {}];

/** The locale a read asked for (`?locale=`), falling back to the tenant's content language. */
export function localeChoiceOf(request: FastifyRequest) {
  const fallback = contentLocaleOf(request);
  const asked = (request.query as { locale?: string } | undefined)?.locale;
  return { locale: asked ?? fallback, fallback };
}

/** How a product is shown to this caller (see DetailOptions). */
export function detailOptionsOf(request: FastifyRequest): DetailOptions {
  return { ...localeChoiceOf(request), includeUnpublished: seesUnpublished(request.ctx.actor) };
}

/** After a write the changed product is shown as staff see it, texts in the tenant's language. */
export function staffDetailOptions(request: FastifyRequest): DetailOptions {
  const locale = contentLocaleOf(request);
  return { locale, fallback: locale, includeUnpublished: true };
}
