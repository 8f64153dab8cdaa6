import type { FastifyReply } from 'fastify';

/**
 * Answers with JSON a route already holds serialized (by its own response schema, or in the same
 * form), and with that text's ETag when it keeps one (the ETag hook then does not hash it again).
 * Fastify sends a string (or its UTF-8 bytes, which an answer sent many times keeps so they are not
 * encoded again for each) with a JSON content type as it is; the cast is for the route's reply type.
 */
export function sendSerialized(reply: FastifyReply, json: string | Buffer, etag?: string) {
  if (etag !== undefined) reply.header('etag', etag);
  return reply.type('application/json; charset=utf-8').send(json as never);
}

/** A JSON answer kept ready-made: its text or UTF-8 bytes (or only its gzip form), ETag, and gzip form when made. */
export interface ReadyJson {
  json: string | Buffer | null;
  etag: string;
  gzip?: Buffer | null | undefined;
}

/**
 * Answers with a ready-made JSON answer, as its kept gzip form when the caller accepts gzip (the
 * route has found that out with `acceptsGzip`, to know which form to fetch or make): the compression
 * hook would otherwise compress the same text again on every request (a browser always asks for it).
 * Both forms carry the same ETag, as compressed answers elsewhere do; the answer varies with
 * Accept-Encoding either way. Without a gzip form, the text goes out and the hook may compress it.
 */
export function sendReady(reply: FastifyReply, ready: ReadyJson, gzipAccepted: boolean) {
  reply.header('vary', 'accept-encoding');
  if (ready.gzip && gzipAccepted) {
    reply.header('etag', ready.etag).header('content-encoding', 'gzip');
    return reply.type('application/json; charset=utf-8').send(ready.gzip as never);
  }
  if (ready.json === null) throw new Error('sendReady: an answer without its text needs its gzip form');
  return sendSerialized(reply, ready.json, ready.etag);
}

/**
 * Whether an Accept-Encoding header allows gzip (RFC 9110 §12.5.3): `gzip` (or `x-gzip`) listed
 * without `q=0`, or else `*` without `q=0`. No header means no preference, answered uncompressed.
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  let anyCoding = false;
  for (const entry of acceptEncoding.split(',')) {
    const [coding = '', ...parameters] = entry.split(';');
    const name = coding.trim().toLowerCase();
    if (name !== 'gzip' && name !== 'x-gzip' && name !== '*') continue;
    const q = parameters.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (name !== '*') return allowed;
    anyCoding = allowed;
  }
  return anyCoding;
}
