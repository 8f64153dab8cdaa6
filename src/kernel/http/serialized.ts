import type { FastifyReply } from 'fastify';

/**
 * Answers with JSON a route already holds serialized (by its own response schema, or in the same
 * form), and with that text's ETag when it keeps one (the ETag hook then does not hash it again).
 * Fastify sends a string with a JSON content type as it is; the cast is for the route's reply type.
 */
export function sendSerialized(reply: FastifyReply, json: string, etag?: string) {
  if (etag !== undefined) reply.header('etag', etag);
  return reply.type('application/json; charset=utf-8').send(json as never);
}
