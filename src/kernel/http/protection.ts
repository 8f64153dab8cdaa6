import zlib from 'node:zlib';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import { AppError } from '../errors.js';

// Probes and scrapers must never be rate limited out of seeing the process.
const UNLIMITED_PATHS = new Set(['/health', '/ready', '/metrics']);

/** Security headers, CORS allowlist, per-IP rate limit (shared through Redis when configured), compression. */
export async function registerProtection(
  app: FastifyInstance,
  config: Config,
  redis: Redis | null,
): Promise<void> {
  await app.register(helmet, {
    // API responses are JSON; the one HTML page (/docs) sets its own policy.
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-site' },
    // Headers for IE8, Flash and DNS prefetching in HTML pages protect nothing in a JSON API, and
    // every header is work on every response.
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    xDnsPrefetchControl: false,
    originAgentCluster: false,
  });

  const allowAll = config.corsOrigins.includes('*');
  await app.register(cors, {
    origin: allowAll ? true : config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: !allowAll,
    exposedHeaders: ['x-request-id', 'etag', 'retry-after'],
    maxAge: 600,
  });

  await app.register(rateLimit, {
    global: true,
    max: config.rateLimitIpPerMin,
    timeWindow: 60_000,
    keyGenerator: (request) => request.ip,
    allowList: (request) => UNLIMITED_PATHS.has(request.url.split('?')[0] ?? ''),
    ...(redis ? { redis, nameSpace: 'carsi:rl:' } : {}),
    // A Redis outage must not take the API down with it.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'request.rate_limited',
        429,
        `Too many requests: the limit is ${context.max} per ${Math.round(context.ttl / 1000) || 60} seconds. Retry after ${context.after}.`,
        { retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) },
      ),
  });

  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip', 'deflate'],
    // Quality 4 keeps brotli about as cheap as gzip for JSON while still smaller.
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
  });
}
