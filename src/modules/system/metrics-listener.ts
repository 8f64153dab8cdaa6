import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { MetricsConfig } from '../../config.js';
import { registerProblemHandlers } from '../../kernel/http/problem-handler.js';
import { requestIdFrom } from '../../kernel/http/request-id.js';
import type { Metrics } from '../../kernel/metrics.js';
import { metricsGate, metricsHandler } from './metrics-access.js';

/**
 * METRICS_PORT: a listener of its own that serves only GET /metrics, on METRICS_HOST (loopback unless
 * set), so scrapers reach it on a private address while the API port serves none. METRICS_TOKEN, when
 * also set, is asked for here too. Returns the listening instance and the URL it serves.
 */
export async function startMetricsListener(
  config: MetricsConfig,
  metrics: Metrics,
  log: Logger,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, genReqId: requestIdFrom });
  registerProblemHandlers(app);
  app.get('/metrics', metricsHandler(metricsGate(config, 'listener'), metrics));
  await app.listen({ port: config.port ?? 0, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { app, url: `http://${host}:${port}/metrics` };
}
