import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Metrics } from '../../kernel/metrics.js';
import { type MetricsGate, metricsHandler } from './metrics-access.js';
import { checkReadiness, type ReadinessInputs } from './readiness.js';

export interface SystemRoutesOptions extends ReadinessInputs {
  metrics: Metrics;
  /** Whether /metrics is served on this listener, and to whom (see metrics-access.ts). */
  metricsGate: MetricsGate;
}

const MetricsProblem = (description: string) =>
  Type.Unsafe({ description, content: { 'application/problem+json': { schema: Type.Ref('Problem') } } });

const Readiness = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Object({
    database: Type.Union([Type.Literal('ok'), Type.Literal('unreachable')]),
    migrations: Type.Union([Type.Literal('current'), Type.Literal('pending'), Type.Literal('unknown')]),
    jobWorkers: Type.Union([Type.Literal('running'), Type.Literal('stopped'), Type.Literal('disabled')]),
  }),
  warnings: Type.Array(Type.String(), {
    description: 'What an operator should fix that does not make the process unready (e.g. TRUST_PROXY)',
  }),
});

// Probes and scrapers must never be rate limited out of seeing the process.
const probe = { rateLimit: false } as const;

/** Probes for load balancers and orchestrators, and the Prometheus scrape endpoint. Never tenant-scoped. */
export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesOptions> = async (app, options) => {
  app.get(
    '/health',
    {
      config: probe,
      schema: {
        tags: ['system'],
        operationId: 'health.get',
        summary: 'Liveness: the process is up',
        description:
          'Open to everyone and never rate limited: for liveness probes. 200 as long as the process ' +
          'answers HTTP.',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: probe,
      schema: {
        tags: ['system'],
        operationId: 'readiness.get',
        summary: 'Readiness: database reachable, migrations current, job workers running',
        description:
          'Open to everyone and never rate limited: for load balancers. 503, with the same report, while ' +
          'the database is unreachable, migrations are pending or this process’s job workers are stopped.',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const report = await checkReadiness(options);
      reply.header('cache-control', 'no-store');
      return reply.code(report.ready ? 200 : 503).send(report);
    },
  );

  app.get(
    '/metrics',
    {
      config: probe,
      schema: {
        tags: ['system'],
        operationId: 'metrics.get',
        summary: 'Prometheus metrics (text exposition format)',
        description:
          'Never rate limited. Served here only when METRICS_TOKEN is set, to requests with ' +
          '`Authorization: Bearer <METRICS_TOKEN>`; with METRICS_PORT it is served on that listener ' +
          'instead, and with neither it is off (404). Request durations by route, database pool use, job ' +
          'queue depth and job failures.',
        produces: ['text/plain'],
        security: [{ bearer: [] }],
        response: {
          200: Type.String(),
          401: MetricsProblem('No bearer token, or not METRICS_TOKEN (`metrics.unauthorized`)'),
          404: MetricsProblem('Metrics are off, or served on METRICS_PORT (`metrics.not_served`)'),
        },
      },
    },
    metricsHandler(options.metricsGate, options.metrics),
  );
};
