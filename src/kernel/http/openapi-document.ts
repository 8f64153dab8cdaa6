import { problemDescription } from './schemas.js';

/*
 * The last pass over the OpenAPI document @fastify/swagger builds from the route schemas. It adds the
 * problem statuses that follow from a route's shape rather than from its code (a route cannot forget
 * them), names the problems many routes share once in `components.responses`, and corrects what the
 * generator gets wrong for clients: parameters with a default marked required, and wildcard paths
 * that are no valid path template.
 */

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: { default?: unknown };
}
interface Response {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
  $ref?: string;
}
interface Operation {
  parameters?: Parameter[];
  responses?: Record<string, Response>;
}
export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: { responses?: Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface DocumentScope {
  /** Paths under it are the API's: they resolve a tenant and refuse bad credentials. */
  apiPrefix: string;
  /** Paths under it run without a tenant: no `tenant.not_found`. */
  platformPrefix: string;
}

const PROBLEM_SCHEMA = { $ref: '#/components/schemas/Problem' };
const problemContent = () => ({ 'application/problem+json': { schema: { ...PROBLEM_SCHEMA } } });

interface SharedResponse {
  status: number;
  description: string;
  headers?: Record<string, unknown>;
}

/** Problems many routes answer alike, by their name in `components.responses`. */
const SHARED: Record<string, SharedResponse> = {
  BadRequest: { status: 400, description: problemDescription(400) },
  Unauthorized: { status: 401, description: problemDescription(401) },
  Forbidden: { status: 403, description: problemDescription(403) },
  NotFound: {
    status: 404,
    description: 'Not found (also `tenant.not_found` when `X-Tenant` names no tenant)',
  },
  TenantNotFound: {
    status: 404,
    description: '`X-Tenant` names no tenant (`tenant.not_found`)',
  },
  RequestTimeout: {
    status: 408,
    description:
      'The request’s headers did not arrive within the server’s timeout (`request.timeout`); answered before any route is chosen',
  },
  ContentTooLarge: {
    status: 413,
    description: 'The body is larger than the server accepts (`request.body_too_large`, `BODY_LIMIT`)',
  },
  PathTooLong: {
    status: 414,
    description: 'A path parameter is longer than 100 characters (`request.path_too_long`)',
  },
  UnsupportedMediaType: {
    status: 415,
    description:
      'The body’s `Content-Type` is not one the route takes (`request.unsupported_media_type`); JSON routes take `application/json`',
  },
  TooManyRequests: {
    status: 429,
    description: 'Rate limited (`request.rate_limited`); wait `Retry-After` seconds',
    headers: {
      'Retry-After': {
        description: 'Seconds until the limit resets',
        schema: { type: 'integer', minimum: 0 },
      },
    },
  },
  HeadersTooLarge: {
    status: 431,
    description:
      'The request line and headers are larger than the server accepts (16 KiB; `request.headers_too_large`); answered before any route is chosen',
  },
  InternalError: { status: 500, description: problemDescription(500) },
};

/** The shared response a route's generic problem of this status becomes (404 is chosen per route). */
const SHARED_BY_STATUS = new Map<number, string>(
  Object.entries(SHARED)
    .filter(([, shared]) => shared.status !== 404)
    .map(([name, shared]) => [shared.status, name]),
);

// Methods whose body Fastify reads: refused when too large (413) or of a type no parser takes (415),
// whether or not the route expects a body. GET and HEAD bodies are never read.
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const WILDCARD = '{*}';
const NOT_MODIFIED = 'NotModified';
const WILDCARD_NAME = 'path';

export function completeDocument(document: OpenApiDocument, scope: DocumentScope): OpenApiDocument {
  const used = new Set<string>();
  let notModifiedUsed = false;
  const refTo = (name: string): Response => {
    used.add(name);
    return { $ref: `#/components/responses/${name}` };
  };
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      operation.responses ??= {};
      const { responses } = operation;
      for (const parameter of operation.parameters ?? []) relaxDefaulted(parameter);
      for (const [status, response] of Object.entries(responses)) {
        const name = isGenericProblem(Number(status), response) && sharedNameOf(Number(status), path, scope);
        if (name) responses[status] = refTo(name);
      }
      // A tenant-scoped route without a 404 of its own still answers `tenant.not_found`.
      for (const status of shapeStatuses(path, method, operation, scope)) {
        responses[status] ??= refTo(status === 404 ? 'TenantNotFound' : sharedName(status));
      }
      // Every successful GET carries an ETag: If-None-Match with it (or *) is answered 304, no body.
      if (method === 'get') {
        responses['304'] ??= { $ref: `#/components/responses/${NOT_MODIFIED}` };
        notModifiedUsed = true;
      }
    }
  }
  if (document.paths) document.paths = renameWildcards(document.paths);
  document.components ??= {};
  document.components.responses = {
    ...document.components.responses,
    ...Object.fromEntries(
      Object.entries(SHARED)
        .filter(([name]) => used.has(name))
        .map(([name, { description, headers }]) => [
          name,
          { description, ...(headers ? { headers } : {}), content: problemContent() },
        ]),
    ),
    ...(notModifiedUsed
      ? {
          [NOT_MODIFIED]: {
            description: 'The representation has not changed since the `If-None-Match` ETag (no body)',
            headers: { ETag: { description: 'The current ETag', schema: { type: 'string' } } },
          },
        }
      : {}),
  };
  return document;
}

/** Statuses an operation answers because of what it is, not what it does. */
function shapeStatuses(path: string, method: string, operation: Operation, scope: DocumentScope): number[] {
  // Answered for any route: refused characters anywhere in a request (400), headers too slow or too
  // large (by the HTTP parser), an unexpected failure.
  const statuses = [400, 408, 431, 500];
  if (isTenantScoped(path, scope)) statuses.push(404);
  if (BODY_METHODS.has(method)) statuses.push(413, 415);
  // The router refuses a path parameter over its length limit; a wildcard has none.
  if (operation.parameters?.some((p) => p.in === 'path' && p.name !== '*')) statuses.push(414);
  return statuses;
}

function isTenantScoped(path: string, scope: DocumentScope): boolean {
  return path.startsWith(scope.apiPrefix) && !path.startsWith(scope.platformPrefix);
}

function sharedNameOf(status: number, path: string, scope: DocumentScope): string | undefined {
  if (status === 404) return isTenantScoped(path, scope) ? 'NotFound' : undefined;
  return SHARED_BY_STATUS.get(status);
}

function sharedName(status: number): string {
  const name = SHARED_BY_STATUS.get(status);
  if (!name) throw new Error(`No shared response for status ${status}`);
  return name;
}

/** A problem response as `problemResponses()` writes it, which a route has not described itself. */
function isGenericProblem(status: number, response: Response): boolean {
  const media = response.content ? Object.entries(response.content) : [];
  return (
    response.description === problemDescription(status) &&
    media.length === 1 &&
    media[0]?.[0] === 'application/problem+json' &&
    media[0][1].schema?.$ref === PROBLEM_SCHEMA.$ref
  );
}

/**
 * A parameter with a default need not be sent: validation fills it in. TypeBox marks it required
 * (the handler's type has it always set), which would make clients send it.
 */
function relaxDefaulted(parameter: Parameter): void {
  if (parameter.in !== 'path' && parameter.schema?.default !== undefined) parameter.required = false;
}

/** `/files/public/{*}` is no valid path template: the wildcard becomes a named parameter, in place. */
function renameWildcards(paths: Record<string, Record<string, Operation>>) {
  return Object.fromEntries(
    Object.entries(paths).map(([path, operations]) => {
      if (!path.includes(WILDCARD)) return [path, operations];
      for (const operation of Object.values(operations)) {
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in === 'path' && parameter.name === '*') parameter.name = WILDCARD_NAME;
        }
      }
      return [path.replace(WILDCARD, `{${WILDCARD_NAME}}`), operations];
    }),
  );
}
