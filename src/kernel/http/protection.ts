import zlib from 'node:zlib';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import { type RateLimitOptions, registerRateLimit } from './rate-limit.js';

/** A tenant's own per-minute limits, when it has any. */
export interface RateLimitOverrides {
  userPerMin?: number | undefined;
  apiKeyPerMin?: number | undefined;
  ipPerMin?: number | undefined;
}

/**
 * Cookies, CORS allowlist, rate limits per user, API key or address (shared through Redis when
 * configured; a tenant may override the limits), compression. Security headers are added with the
 * request id (see security-headers.ts). Routes opt out of the rate limit with
 * `config: { rateLimit: false }` (the probes do).
 */
export async function registerProtection(
  app: FastifyInstance,
  config: Config,
  redis: Redis | null,
  overridesFor: (request: FastifyRequest) => RateLimitOverrides | undefined = () => undefined,
  pendingRefusal?: RateLimitOptions['pendingRefusal'],
): Promise<void> {
  // Without allowed origins, cross-origin calls get no CORS headers and preflights are 404: what the
  // plugin does with `origin: false`, without its hook running on every request.
  if (config.corsOrigins.length > 0) {
    const allowAll = config.corsOrigins.includes('*');
    await app.register(cors, {
      origin: allowAll ? true : config.corsOrigins,
      credentials: !allowAll,
      exposedHeaders: ['x-request-id', 'etag', 'retry-after'],
      maxAge: 600,
    });
  }

  // Cookies are parsed where credentials are read (identity), not for every request.
  await app.register(cookie, { hook: false });

  // Route-level hooks run after the app's own onRequest hooks, so the caller is known by then: signed-in
  // users and API keys are limited on their own counters, everyone else per address.
  registerRateLimit(app, {
    key: (request) => {
      const { actor } = request.ctx;
      if (actor.type === 'user') return `u:${actor.id}`;
      if (actor.type === 'api_key') return `k:${actor.id}`;
      // The address the context took from the request (behind a proxy, working it out costs a parse).
      return `ip:${request.ctx.ip ?? request.ip}`;
    },
    max: (request, key) => {
      const own = overridesFor(request);
      if (key.startsWith('u:')) return own?.userPerMin ?? config.rateLimitUserPerMin;
      if (key.startsWith('k:')) return own?.apiKeyPerMin ?? config.rateLimitApiKeyPerMin;
      return own?.ipPerMin ?? config.rateLimitIpPerMin;
    },
    windowMs: 60_000,
    redis,
    onStoreError: (error) =>
      app.log.warn({ error: (error as Error).message }, 'rate limit store failed; request let through'),
    pendingRefusal,
  });

  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip', 'deflate'],
    // Quality 4 keeps brotli about as cheap as gzip for JSON while still smaller.
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
  });
}
