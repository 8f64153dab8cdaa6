/**
 * A failure the client can act on. `code` is stable and documented; `status` is the HTTP status;
 * `detail` is a human sentence; `extra` adds machine-readable members to the problem document.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export interface FieldProblem {
  /** Where the bad value was: body, querystring, params or headers. */
  in: string;
  /** JSON-pointer-like path of the field inside that part, e.g. `items/0/quantity`. */
  field: string;
  message: string;
}

/**
 * How many bad fields a problem lists. A body with thousands of unknown keys would otherwise get an
 * answer several times its own size; `errorCount` still says how many there were.
 */
export const MAX_LISTED_ERRORS = 20;

/** The detail of a 400 `request.validation_failed`: how many fields were wrong, and how many are listed. */
export function validationDetail(count: number): string {
  const sentence = `The request has ${count} invalid field${count === 1 ? '' : 's'}.`;
  return count > MAX_LISTED_ERRORS ? `${sentence} The first ${MAX_LISTED_ERRORS} are listed.` : sentence;
}

/** The `errors` (at most MAX_LISTED_ERRORS) and `errorCount` members of a problem about bad fields. */
export function listedErrors(errors: FieldProblem[]): { errors: FieldProblem[]; errorCount: number } {
  return {
    errors: errors.length > MAX_LISTED_ERRORS ? errors.slice(0, MAX_LISTED_ERRORS) : errors,
    errorCount: errors.length,
  };
}

/** 400 `request.validation_failed` listing the bad fields, as schema validation answers it. */
export function validationFailed(errors: FieldProblem[]): AppError {
  return new AppError(
    'request.validation_failed',
    400,
    validationDetail(errors.length),
    listedErrors(errors),
  );
}

/** RFC 9457 problem document, as every error response carries it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: FieldProblem[];
  /** With `errors`: how many bad fields there were in all. */
  errorCount?: number;
  [extra: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemType(code: string): string {
  return `urn:carsi:problem:${code}`;
}

export function buildProblem(
  code: string,
  status: number,
  detail: string,
  requestId: string,
  extra: Record<string, unknown> = {},
): Problem {
  return {
    ...extra,
    type: problemType(code),
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    detail,
    code,
    requestId,
  };
}
