import { type Static, type TSchema, Type } from '@sinclair/typebox';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'urn:carsi:problem:<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    requestId: Type.String(),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.String({ description: 'body, querystring, params or headers' }),
          field: Type.String(),
          message: Type.String(),
        }),
        { description: 'The bad fields, at most 20 of them' },
      ),
    ),
    errorCount: Type.Optional(
      Type.Integer({ minimum: 0, description: 'With `errors`: how many bad fields there were in all' }),
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem document' },
);

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (the bad fields are listed in `errors`, at most 20; `errorCount` says how many)',
  401: 'Not authenticated, or the credentials sent were refused (a bad token or API key is refused on every route, public ones too)',
  403: 'Not allowed: a permission is missing, the tenant is suspended, or a cookie session did not echo its CSRF token',
  404: 'Not found',
  408: 'The request did not arrive in time',
  409: 'Conflict with the current state',
  413: 'Body too large',
  414: 'A path parameter is too long',
  415: 'Unsupported content type',
  429: 'Rate limited; see `Retry-After`',
  431: 'Request line and headers too large',
  500: 'Unexpected error; only the request id is given',
  503: 'Not ready',
};

/** How a problem status is described when the route gives no description of its own. */
export function problemDescription(status: number): string {
  return PROBLEM_DESCRIPTIONS[status] ?? 'Problem';
}

/**
 * What every API route can answer whatever it does: bad input; credentials refused (any route, a
 * public one too, refuses a bad token or key); a suspended tenant, a missing permission or a cookie
 * session without its CSRF token; the rate limit; an unexpected failure. Statuses that follow from a
 * route's shape (its method, path parameters, tenant scope) are added by the document itself (see
 * openapi-document.ts), so a route cannot forget them.
 */
export const API_PROBLEM_STATUSES: readonly number[] = [400, 401, 403, 429, 500];

/** Problem responses a route documents: the given statuses plus those every API route can answer. */
export function problemResponses(...statuses: number[]): Record<number, TSchema> {
  const all = [...new Set([...API_PROBLEM_STATUSES, ...statuses])].sort();
  return Object.fromEntries(all.map((status) => [status, problemResponse(problemDescription(status))]));
}

/**
 * A problem response in the route's own words, for a status whose shared description would mislead
 * (the document keeps it as it is instead of pointing to the shared one).
 */
export function problemResponse(description: string): TSchema {
  return Type.Unsafe({
    description,
    content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
  });
}

/** Headers every tenant-scoped API route accepts (documented; other headers pass through). */
export const TenantHeaders = Type.Object({
  'x-tenant': Type.Optional(
    Type.String({
      description: 'Tenant slug, when the request carries no credentials. Default: DEFAULT_TENANT.',
    }),
  ),
});

/**
 * `T | null` as `type: [T, 'null']` rather than `anyOf`: the response serializer writes it directly,
 * where an anyOf makes it validate the value against each branch on every response.
 */
export function Nullable<T extends TSchema & { type: string }>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}
