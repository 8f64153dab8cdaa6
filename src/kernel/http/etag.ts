import { hash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

type OnSend = (
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: Error | null, payload?: unknown) => void,
) => void;

/**
 * The onSend hook for strong ETags on successful GET responses, and 304 when `If-None-Match` matches.
 * Run before compression (the app runs it from its own global onSend hook; compression's are the
 * routes'), so the tag describes the representation, whatever encoding is negotiated.
 */
export const tagResponse: OnSend = (request, reply, payload, done) => {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) {
    return done(null, payload);
  }
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
  // A route that keeps a response ready-made (a cached page) tags it once and sets the header itself.
  const given = reply.getHeader('etag');
  const etag = typeof given === 'string' ? given : strongEtagOf(payload);
  if (given === undefined) reply.header('etag', etag);
  if (matches(request.headers['if-none-match'], etag)) {
    reply.code(304);
    return done(null, '');
  }
  done(null, payload);
};

/** The strong ETag of a response body (one-shot hash: no hasher object per response). */
export function strongEtagOf(body: string | Buffer): string {
  return `"${hash('sha1', body, 'base64url')}"`;
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
