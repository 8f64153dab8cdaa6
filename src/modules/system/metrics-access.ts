import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MetricsConfig } from '../../config.js';
import type { AppError } from '../../kernel/errors.js';
import type { Metrics } from '../../kernel/metrics.js';
import { systemErrors } from './errors.js';

/** Decides, for one listener, whether a request may read /metrics: null when it may, else the refusal. */
export type MetricsGate = (authorization: string | undefined) => AppError | null;

/**
 * The rules for /metrics on the API port (`where: 'api'`, also a worker's probe port) or on the
 * listener of its own (`'listener'`). On the API port it is served only with METRICS_TOKEN and never
 * when METRICS_PORT moves it elsewhere; the token is asked for wherever it is set.
 */
export function metricsGate(config: MetricsConfig, where: 'api' | 'listener'): MetricsGate {
  if (where === 'api' && config.port !== null) {
    const refusal = () =>
      systemErrors.error(
        'metrics.not_served',
        `Metrics are served on their own listener (METRICS_HOST:METRICS_PORT, here ${config.host}:${config.port}), not on this port.`,
      );
    return refusal;
  }
  if (config.token === null) {
    if (where === 'listener') return () => null;
    return () =>
      systemErrors.error(
        'metrics.not_served',
        'Metrics are off. Set METRICS_TOKEN and scrape with "Authorization: Bearer <token>", or set ' +
          'METRICS_PORT for a listener of their own on METRICS_HOST (default 127.0.0.1).',
      );
  }
  // Compared as digests of equal length, in constant time: the answer says nothing of how close a guess was.
  const expected = digest(config.token);
  return (authorization) => {
    const given = bearerToken(authorization);
    if (given !== null && timingSafeEqual(digest(given), expected)) return null;
    return systemErrors.error(
      'metrics.unauthorized',
      given === null
        ? 'Metrics need "Authorization: Bearer <METRICS_TOKEN>".'
        : 'The bearer token is not METRICS_TOKEN.',
    );
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1]! : null;
}

/** GET /metrics behind `gate`: the Prometheus text, or the refusal as a problem. */
export function metricsHandler(gate: MetricsGate, metrics: Metrics) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const refusal = gate(request.headers.authorization);
    if (refusal) {
      if (refusal.status === 401) reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw refusal;
    }
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(text);
  };
}
