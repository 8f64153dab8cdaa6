import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import { registerAuditJobs } from './kernel/audit/partitions.js';
import { stopBroadcast } from './kernel/broadcast.js';
import { ANONYMOUS_ACTOR, type RequestContext, type Runtime } from './kernel/context.js';
import type { JobRegistry } from './kernel/events/registry.js';
import { clientErrorProblems } from './kernel/http/client-errors.js';
import { registerDocsUi, registerOpenApi } from './kernel/http/docs.js';
import { tagResponse } from './kernel/http/etag.js';
import { ForwardedHeaderWatch } from './kernel/http/forwarded-headers.js';
import {
  invalidCharactersInRequest,
  registerInvalidCharacterChecks,
} from './kernel/http/invalid-characters.js';
import { frameworkErrorProblem, registerProblemHandlers } from './kernel/http/problem-handler.js';
import { registerProtection } from './kernel/http/protection.js';
import { requestIdFrom } from './kernel/http/request-id.js';
import { requestLoggerFactory } from './kernel/http/request-logger.js';
import { ProblemSchema } from './kernel/http/schemas.js';
import { computeSecurityHeaders } from './kernel/http/security-headers.js';
import type { Metrics } from './kernel/metrics.js';
import { catalogRoutes, productListingRoutes, registerCatalogJobs } from './modules/catalog/index.js';
import { fileRoutes, registerFileJobs } from './modules/files/index.js';
import {
  accountPages,
  adminRoutes,
  authRoutes,
  deferredIdentityError,
  deferredIdentityErrorHook,
  listenForRevocations,
  meRoutes,
  platformRoutes,
  registerIdentityJobs,
  requestIdentityHook,
} from './modules/identity/index.js';
import { registerNotificationJobs } from './modules/notifications/index.js';
import { metricsGate, systemRoutes } from './modules/system/index.js';
import { tenancyRoutes, tenantDirectoryOf } from './modules/tenancy/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Tenant, actor and request facts for services; set before any route handler runs. */
    ctx: RequestContext;
  }
}

export const API_PREFIX = '/api/v1';

export interface AppOptions {
  runtime: Runtime;
  metrics: Metrics;
  redis: Redis | null;
  expectedMigrations: number;
  /** Whether this process's job workers run; null when they run in other processes. */
  workersRunning: (() => boolean) | null;
}

/** Every job and event subscriber of every module: the same list for API and worker processes. */
export function registerJobs(registry: JobRegistry): void {
  registerAuditJobs(registry);
  registerNotificationJobs(registry);
  registerIdentityJobs(registry);
  registerFileJobs(registry);
  registerCatalogJobs(registry);
}

/** The whole HTTP API. The returned instance is not yet listening (tests call `inject`). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { runtime, metrics } = options;
  const { config } = runtime;
  const app = Fastify({
    loggerInstance: runtime.log as FastifyBaseLogger,
    genReqId: requestIdFrom,
    childLoggerFactory: requestLoggerFactory,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // One line per request is noise at info level; debug and trace turn it on.
      disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace',
    }),
    bodyLimit: config.bodyLimit,
    // The union type trips Fastify's server-type overloads; the value is one of its accepted shapes.
    trustProxy: config.trustProxy as true,
    return503OnClosing: true,
    frameworkErrors: frameworkErrorProblem,
    // What Node's HTTP parser refuses (431 headers too large, 408, malformed HTTP) as problems too.
    clientErrorHandler: clientErrorProblems(computeSecurityHeaders()),
    forceCloseConnections: 'idle',
    ajv: {
      customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerProblemHandlers(app);
  // NUL and unpaired surrogates are refused in every part of a request; bodies as they are parsed.
  registerInvalidCharacterChecks(app);
  app.addSchema(ProblemSchema);

  const securityHeaders = computeSecurityHeaders();
  // Without TRUST_PROXY, forwarded headers hint at a proxy nobody declared: warned about once.
  const forwarded = config.trustProxy === false ? new ForwardedHeaderWatch(runtime.log) : null;
  app.decorateRequest('ctx', null as unknown as RequestContext);
  // Who is calling and for which tenant: credentials → their tenant; else X-Tenant; else DEFAULT_TENANT.
  // Revocations of tokens already handed out (ended sessions, deactivated users, changed roles) are
  // loaded and listened for before the first request is answered.
  await listenForRevocations(runtime);
  app.addHook('onClose', () => stopBroadcast(runtime));
  const identify = requestIdentityHook(runtime, {
    apiPrefix: `${API_PREFIX}/`,
    platformPrefix: `${API_PREFIX}/platform/`,
    defaultTenant: config.defaultTenant,
  });
  // Per-request hooks are plain callbacks rather than async functions: they run on every request, and
  // a promise per hook is measurable at this rate. This one comes first, so every answer (a CORS
  // preflight's too) carries the security headers and the request id; the caller is identified in
  // the same hook (a preflight carries no credentials: for it that is only the default tenant, cached).
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders);
    reply.header('x-request-id', request.id);
    request.ctx = {
      runtime,
      tenantId: null,
      actor: ANONYMOUS_ACTOR,
      requestId: request.id,
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    };
    forwarded?.inspect(request.headers, request.ip);
    // Before anything reads the headers or the URL (see invalid-characters.ts).
    const refusal = invalidCharactersInRequest(request);
    if (refusal) return done(refusal);
    identify(request, reply, done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime,
    );
    done();
  });

  const tenants = tenantDirectoryOf(runtime);
  // Refused credentials are answered after the rate limiter has counted the request, by the limiter
  // (a route-level onRequest hook, so it runs after the hook above).
  await registerProtection(
    app,
    config,
    options.redis,
    (request) => (request.ctx.tenantId ? tenants.rateLimitsOf(request.ctx.tenantId) : undefined),
    { routePrefix: `${API_PREFIX}/`, of: deferredIdentityError },
  );
  // API routes without a rate limit answer refused credentials in a hook of their own.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(`${API_PREFIX}/`) || route.config?.rateLimit !== false) return;
    const own = route.onRequest;
    route.onRequest = [...(Array.isArray(own) ? own : own ? [own] : []), deferredIdentityErrorHook];
  });
  // Once shutdown starts, responses still in flight close their connection, so close() does not wait
  // for clients' keep-alive sockets to time out.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // One onSend hook: that, then the ETag (before compression, whose onSend hooks are the routes').
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    tagResponse(request, reply, payload, done);
  });
  await registerOpenApi(app, config, {
    apiPrefix: `${API_PREFIX}/`,
    platformPrefix: `${API_PREFIX}/platform/`,
  });

  await app.register(systemRoutes, {
    db: runtime.db,
    metrics,
    expectedMigrations: options.expectedMigrations,
    workersRunning: options.workersRunning,
    metricsGate: metricsGate(config.metrics, 'api'),
    warnings: () => forwarded?.warnings() ?? [],
  });
  await app.register(tenancyRoutes, { prefix: API_PREFIX });
  await app.register(authRoutes, { prefix: API_PREFIX, config });
  await app.register(meRoutes, { prefix: API_PREFIX });
  await app.register(adminRoutes, { prefix: API_PREFIX });
  await app.register(authRoutes, { prefix: `${API_PREFIX}/platform`, config, platform: true });
  await app.register(platformRoutes, { prefix: `${API_PREFIX}/platform` });
  await app.register(fileRoutes, { prefix: API_PREFIX });
  await app.register(catalogRoutes, { prefix: API_PREFIX });
  await app.register(productListingRoutes, { prefix: API_PREFIX });

  // The pages behind emailed links, for tenants without front ends of their own (not under /api/v1).
  await app.register(accountPages, { authPerMinute: config.rateLimitAuthPerMin });

  await registerDocsUi(app);
  return app;
}

/**
 * What a worker-only process serves: /health, /ready and /metrics (its job metrics live here), with
 * no API and no tenant resolution.
 */
export async function buildProbeApp(options: Omit<AppOptions, 'redis'>): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: options.runtime.log as FastifyBaseLogger, genReqId: requestIdFrom });
  registerProblemHandlers(app);
  // /metrics answers its refusals as problems, described by the shared schema.
  app.addSchema(ProblemSchema);
  await app.register(systemRoutes, {
    db: options.runtime.db,
    metrics: options.metrics,
    expectedMigrations: options.expectedMigrations,
    workersRunning: options.workersRunning,
    metricsGate: metricsGate(options.runtime.config.metrics, 'api'),
  });
  return app;
}
