import { defineErrors } from './error-registry.js';

/** What the kernel answers for any route: malformed requests, unknown routes, limits, failures. */
export const requestErrors = defineErrors('Requests', {
  'request.validation_failed': {
    status: 400,
    meaning:
      'Some fields are invalid; `errors` lists every one (`in`, `field`, `message`). Fix them and resend.',
  },
  'request.malformed_json': {
    status: 400,
    meaning: 'The body is not valid JSON.',
  },
  'request.empty_json_body': {
    status: 400,
    meaning: 'The body is empty but `Content-Type` says JSON: send a body, or no `Content-Type`.',
  },
  'request.invalid_content_length': {
    status: 400,
    meaning: '`Content-Length` does not match the body sent.',
  },
  'request.invalid_characters': {
    status: 400,
    meaning:
      'Text in the request (headers, path, query, body) holds NUL, an unpaired UTF-16 surrogate or percent-encoded bytes that are not UTF-8; `errors` lists where.',
  },
  'request.bad_url': {
    status: 400,
    meaning: 'The URL cannot be decoded (a bad percent-escape).',
  },
  'request.invalid_cursor': {
    status: 400,
    meaning: '`cursor` is not one this API issued: pass `nextCursor` from the previous page as it is.',
  },
  'request.bad_request': {
    // Statuses of the framework's and plugins' own refusals that have no code of their own (a
    // `Content-Encoding` the server cannot decode, a form sent to a multipart route, …).
    status: [400, 406, 415],
    meaning:
      'The request is malformed in a way without a more precise code (or is not HTTP/1.1 at all); `detail` says how.',
  },
  'route.not_found': {
    status: 404,
    meaning: 'No route has this method and path: check the path against `/docs`.',
  },
  'request.timeout': {
    status: 408,
    meaning: 'The request did not arrive in time; the connection is closed.',
  },
  'request.body_too_large': {
    status: 413,
    meaning: 'The body is larger than the server accepts (`BODY_LIMIT`, 1 MiB by default).',
  },
  'request.path_too_long': {
    status: 414,
    meaning: 'A path segment is longer than 100 characters.',
  },
  'request.unsupported_media_type': {
    status: 415,
    meaning: 'The route does not take this `Content-Type`: JSON routes take `application/json`.',
  },
  'request.rate_limited': {
    status: 429,
    meaning: 'Too many requests from this user, API key or address: wait `Retry-After` seconds.',
  },
  'request.headers_too_large': {
    status: 431,
    meaning: 'The request line and headers together are larger than 16 KiB; the connection is closed.',
  },
  internal: {
    status: 500,
    meaning:
      'An unexpected failure: the answer holds only the request id, and the server log holds the details under it.',
  },
});

/** What the kernel's guards answer for a route that needs a caller, or a permission. */
export const accessErrors = defineErrors('Access', {
  'auth.unauthenticated': {
    status: 401,
    meaning:
      'The route needs a signed-in user or an API key: sign in, or send `Authorization` or `X-API-Key`.',
  },
  'auth.forbidden': {
    status: 403,
    meaning:
      'The caller lacks the permission the route needs (named in `permission` when there is one), or is the wrong kind of account.',
  },
});
