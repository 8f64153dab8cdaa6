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
      ),
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem document' },
);

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (every bad field is listed in `errors`)',
  401: 'Not authenticated',
  403: 'Not allowed (or the tenant is suspended)',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Unsupported content type',
  429: 'Rate limited; see `Retry-After`',
  500: 'Unexpected error; only the request id is given',
  503: 'Not ready',
};

/** Problem responses a route documents: the given statuses plus those any route can answer. */
export function problemResponses(...statuses: number[]): Record<number, TSchema> {
  const all = [...new Set([400, 429, 500, ...statuses])].sort();
  return Object.fromEntries(
    all.map((status) => [
      status,
      Type.Unsafe({
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
      }),
    ]),
  );
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
