import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';

/** What a route may say about its limit: `false` for none, or its own limit and key. */
export type RouteRateLimit =
  | false
  | { max: number; timeWindow?: number; keyGenerator?: (request: FastifyRequest) => string };

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RouteRateLimit;
  }
}

export interface RateLimitOptions {
  /** The counter a request counts on (per user, per key, per address…). */
  key: (request: FastifyRequest) => string;
  /** The limit for that counter within one window. */
  max: (request: FastifyRequest, key: string) => number;
  windowMs: number;
  /** Counters shared by every process; in-process when null. */
  redis: Redis | null;
  /** Called when the shared store fails: requests then pass (an outage must not take the API down). */
  onStoreError: (error: unknown) => void;
  /**
   * A refusal decided before the request was counted (refused credentials), answered by the limiter
   * once it has counted the request and not limited it, on routes under `routePrefix`: the
   * limiter's hook gives the answer, so no hook of its own runs on every request.
   */
  pendingRefusal?: { routePrefix: string; of: (request: FastifyRequest) => Error | undefined };
}

interface Count {
  count: number;
  /** Milliseconds until the window ends. */
  ttl: number;
}

/** A fixed-window counter per key, in this process. */
class LocalCounters {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private sweepAt = 0;

  increment(key: string, windowMs: number, now: number): Count {
    if (now >= this.sweepAt) this.sweep(now, windowMs);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, ttl: window.resetAt - now };
  }

  // Ended windows are dropped once per window, so idle keys do not accumulate.
  private sweep(now: number, windowMs: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    this.sweepAt = now + windowMs;
  }
}

// One round trip: count, start the window on the first hit, and report its remaining time.
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }`;

type RedisWithIncrement = Redis & {
  carsiRateLimit(key: string, windowMs: number): Promise<[number, number]>;
};

/**
 * Rate limits as a route-level onRequest hook on every route that does not opt out, placed after the
 * app's own onRequest hooks so the caller is known. In-process counting is synchronous; with Redis
 * it costs one round trip. Every answer carries X-RateLimit-Limit/Remaining/Reset; a refusal is a
 * 429 problem with Retry-After.
 */
export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): void {
  const local = new LocalCounters();
  const redis = options.redis as RedisWithIncrement | null;
  if (redis && !redis.carsiRateLimit)
    redis.defineCommand('carsiRateLimit', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });

  const decide = (
    request: FastifyRequest,
    reply: FastifyReply,
    max: number,
    counted: Count,
  ): AppError | undefined => {
    const resetSeconds = Math.max(1, Math.ceil(counted.ttl / 1000));
    reply.header('x-ratelimit-limit', max);
    reply.header('x-ratelimit-remaining', Math.max(0, max - counted.count));
    reply.header('x-ratelimit-reset', resetSeconds);
    if (counted.count <= max) return undefined;
    request.log.info({ limit: max }, 'rate limited');
    return new AppError(
      'request.rate_limited',
      429,
      `Too many requests: the limit is ${max} per ${Math.round(options.windowMs / 1000)} seconds. Retry in ${resetSeconds} s.`,
      { retryAfterSeconds: resetSeconds },
    );
  };

  app.addHook('onRoute', (route) => {
    const own = route.config?.rateLimit;
    if (own === false) return;
    const windowMs = own?.timeWindow ?? options.windowMs;
    const keyOf = own?.keyGenerator ?? options.key;
    const maxOf = own ? () => own.max : options.max;
    const prefix = own ? `${route.method}:${route.url}:` : '';

    const refusal =
      options.pendingRefusal && route.url.startsWith(options.pendingRefusal.routePrefix)
        ? options.pendingRefusal.of
        : undefined;

    const limit = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
      const key = prefix + keyOf(request);
      const max = maxOf(request, key);
      if (!redis) {
        const counted = local.increment(key, windowMs, Date.now());
        return done(decide(request, reply, max, counted) ?? refusal?.(request));
      }
      redis.carsiRateLimit(`carsi:rl:${key}`, windowMs).then(
        ([count, ttl]) => done(decide(request, reply, max, { count, ttl }) ?? refusal?.(request)),
        (error: unknown) => {
          options.onStoreError(error);
          done(refusal?.(request));
        },
      );
    };
    const hooks = route.onRequest;
    route.onRequest = [...(Array.isArray(hooks) ? hooks : hooks ? [hooks] : []), limit];
  });
}
