import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildProblem, PROBLEM_CONTENT_TYPE } from '../errors.js';
import { newRequestId } from './request-id.js';

/** What each refusal of Node's HTTP parser is answered with; anything else it refuses is a 400. */
const PARSER_REFUSALS: Record<string, { status: number; code: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'request.headers_too_large',
    detail: 'The request line and headers are larger than the server accepts (16 KiB).',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request.timeout',
    detail: 'The request did not arrive in time.',
  },
};
const MALFORMED = { status: 400, code: 'request.bad_request', detail: 'The request is not valid HTTP/1.1.' };

/**
 * The `clientErrorHandler` of the server: what Node's HTTP parser refuses (headers too large, too
 * slow, not HTTP at all) never reaches Fastify's hooks or error handler, so it is answered here, as
 * the same problem document, with the same security headers, as every other error. There is no
 * request: the id is a new one, and the connection is closed, since what follows on it cannot be
 * parsed either.
 */
export function clientErrorProblems(securityHeaders: Readonly<Record<string, string>>) {
  const fixedHeaders = Object.entries(securityHeaders)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return function clientErrorProblem(
    this: FastifyInstance,
    error: Error & { code?: string },
    socket: Duplex,
  ): void {
    // A reset connection has no one left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const refusal = (error.code && PARSER_REFUSALS[error.code]) || MALFORMED;
    const requestId = newRequestId();
    this.log.debug({ err: error, requestId, status: refusal.status }, 'request refused by the HTTP parser');
    if (socket.writable) {
      const body = JSON.stringify(buildProblem(refusal.code, refusal.status, refusal.detail, requestId));
      socket.write(
        `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n${fixedHeaders}` +
          `content-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n` +
          `x-request-id: ${requestId}\r\n` +
          'connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy(error);
  };
}
