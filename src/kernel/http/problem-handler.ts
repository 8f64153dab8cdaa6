import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  buildProblem,
  type FieldProblem,
  listedErrors,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  validationDetail,
} from '../errors.js';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Fastify's own client errors, with the stable code each one answers with. */
const FASTIFY_CODES: Record<string, { code: string; status: number; detail?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'request.unsupported_media_type', status: 415 },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'request.invalid_content_length', status: 400 },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'request.body_too_large', status: 413 },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'request.empty_json_body',
    status: 400,
    detail: 'The body is empty but Content-Type says application/json.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'request.malformed_json', status: 400 },
  FST_ERR_CTP_EMPTY_TYPE: { code: 'request.unsupported_media_type', status: 415 },
  FST_ERR_CTP_INVALID_TYPE: { code: 'request.unsupported_media_type', status: 415 },
  FST_ERR_BAD_URL: { code: 'request.bad_url', status: 400 },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'request.path_too_long',
    status: 414,
    detail: 'A path segment of the URL is longer than this API accepts (100 characters).',
  },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'request.bad_request', status: 400 },
};

export function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}) {
  return reply
    .code(problem.status)
    .headers(headers)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem));
}

/** Turns anything thrown into an RFC 9457 problem; only 5xx details stay in the log. */
export function toProblem(error: unknown, request: FastifyRequest): Problem {
  const requestId = String(request.id);
  if (error instanceof AppError) {
    return buildProblem(error.code, error.status, error.detail, requestId, error.extra);
  }
  const fastifyError = error as Partial<FastifyError> & {
    validation?: ValidationIssue[];
    validationContext?: string;
  };
  if (Array.isArray(fastifyError.validation)) {
    // One entry per field: a union type fails once per branch, which tells the client nothing more.
    const byField = new Map<string, FieldProblem>();
    for (const issue of fastifyError.validation) {
      const problem = fieldProblem(issue, fastifyError.validationContext ?? 'body');
      const key = `${problem.in}:${problem.field}`;
      if (!byField.has(key) && issue.keyword !== 'anyOf') byField.set(key, problem);
    }
    const errors = [...byField.values()];
    return buildProblem(
      'request.validation_failed',
      400,
      validationDetail(errors.length),
      requestId,
      listedErrors(errors),
    );
  }
  if (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return buildProblem('request.malformed_json', 400, 'The body is not valid JSON.', requestId);
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) {
    return buildProblem(known.code, known.status, known.detail ?? String(fastifyError.message), requestId);
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return buildProblem(
      'request.bad_request',
      status,
      String(fastifyError.message ?? 'Bad request.'),
      requestId,
    );
  }
  return buildProblem(
    'internal',
    500,
    'An unexpected error occurred. Quote the request id when reporting it.',
    requestId,
  );
}

function fieldProblem(issue: ValidationIssue, part: string): FieldProblem {
  let field = issue.instancePath.replace(/^\//, '');
  const missing = issue.params['missingProperty'];
  const additional = issue.params['additionalProperty'];
  if (typeof missing === 'string') field = field ? `${field}/${missing}` : missing;
  if (typeof additional === 'string') {
    const name = field ? `${field}/${additional}` : additional;
    return { in: part, field: name, message: 'is not an allowed field' };
  }
  return { in: part, field, message: issue.message ?? 'is invalid' };
}

/**
 * For Fastify's own refusals before routing (a malformed URL, an over-long path parameter), which
 * otherwise answer in Fastify's JSON shape rather than as problems. Passed as `frameworkErrors`.
 */
export function frameworkErrorProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(reply, toProblem(error, request));
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'unhandled error');
    else request.log.info({ code: problem.code, status: problem.status }, 'request rejected');
    const headers: Record<string, string> = {};
    if (typeof problem['retryAfterSeconds'] === 'number')
      headers['retry-after'] = String(problem['retryAfterSeconds']);
    return sendProblem(reply, problem, headers);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      buildProblem(
        'route.not_found',
        404,
        `No route ${request.method} ${request.url.split('?')[0]}.`,
        String(request.id),
      ),
    ),
  );
}
