import { hash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * Strong ETags on successful GET responses, and 304 when `If-None-Match` matches. Registered before
 * compression so the tag describes the representation, whatever encoding is negotiated.
 */
export function registerEtags(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
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
  });
}

/** The strong ETag of a response body (one-shot hash: no hasher object per response). */
export function strongEtagOf(body: string | Buffer): string {
  return `"${hash('sha1', body, 'base64url')}"`;
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
