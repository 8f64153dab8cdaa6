import type { FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS_ACTOR, type Runtime } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import { type ResolvedTenant, tenantDirectoryOf } from '../tenancy/index.js';
import { Authenticator, checkCsrf, type Identity } from './authenticator.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequestIdentityOptions {
  apiPrefix: string;
  /** Routes under this prefix are the platform's: they run with no tenant. */
  platformPrefix: string;
  defaultTenant: string;
}

/**
 * The onRequest hook that decides who is calling and for which tenant:
 * credentials (access token, cookie, API key) → their tenant; else `X-Tenant`; else the default.
 * Credentials of tenant A sent with `X-Tenant: B` are refused. Cookie sessions must echo the CSRF
 * cookie in `X-CSRF-Token` on state-changing requests. Synchronous when everything is cached.
 */
export function requestIdentityHook(runtime: Runtime, options: RequestIdentityOptions) {
  const authenticator = new Authenticator(runtime);
  const tenants = tenantDirectoryOf(runtime);

  const settle = (
    request: FastifyRequest,
    identity: Identity | null,
  ): ResolvedTenant | Promise<ResolvedTenant> | null => {
    if (identity) {
      request.ctx.actor = identity.actor;
      if (identity.actor.via === 'cookie' && !SAFE_METHODS.has(request.method)) checkCsrf(request);
    }
    // Platform routes, and platform administrators anywhere, run with no tenant.
    if (request.url.startsWith(options.platformPrefix) || identity?.tenantId === null) return null;
    const header = request.headers['x-tenant'];
    const slug = typeof header === 'string' && header !== '' ? header : undefined;
    if (identity?.tenantId) {
      const cached = tenants.resolveIdCached(identity.tenantId);
      if (cached) return sameTenant(cached, slug);
      return tenants.resolveId(identity.tenantId).then((tenant) => sameTenant(tenant, slug));
    }
    const name = slug ?? options.defaultTenant;
    return tenants.resolveCached(name) ?? tenants.resolve(name);
  };

  // The usual request (credentials and tenant cached) settles synchronously, without a closure.
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    if (!request.url.startsWith(options.apiPrefix)) return done();
    try {
      const identity = authenticator.identify(request);
      if (identity instanceof Promise) {
        identity
          .then((id) => settle(request, id))
          .then(
            (tenant) => apply(request, tenant, done),
            (error: unknown) => defer(request, error, done),
          );
        return;
      }
      const tenant = settle(request, identity);
      if (tenant instanceof Promise) {
        tenant.then(
          (resolved) => apply(request, resolved, done),
          (error: unknown) => defer(request, error, done),
        );
      } else apply(request, tenant, done);
    } catch (error) {
      defer(request, error, done);
    }
  };
}

/** Credentials of one tenant sent with `X-Tenant` naming another are refused. */
function sameTenant(tenant: ResolvedTenant, slug: string | undefined): ResolvedTenant {
  if (slug !== undefined && slug !== tenant.slug) {
    throw new AppError(
      'auth.tenant_mismatch',
      401,
      'The credentials belong to another tenant than X-Tenant names.',
    );
  }
  return tenant;
}

function apply(request: FastifyRequest, tenant: ResolvedTenant | null, done: (error?: Error) => void) {
  request.ctx.tenantId = tenant?.id ?? null;
  done();
}

// A refusal is not answered here but after the rate limiter has counted the request: otherwise
// guessing keys or tokens would never be throttled. Until then the caller is anonymous.
function defer(request: FastifyRequest, error: unknown, done: (error?: Error) => void) {
  deferredErrors.set(request, error as Error);
  request.ctx.actor = ANONYMOUS_ACTOR;
  request.ctx.tenantId = null;
  done();
}

const deferredErrors = new WeakMap<FastifyRequest, Error>();

/** The refusal of a request's credentials or tenant, still to be answered once it has been counted. */
export function deferredIdentityError(request: FastifyRequest): Error | undefined {
  return deferredErrors.get(request);
}

/**
 * Answers a request whose credentials or tenant were refused. The rate limiter answers it itself
 * (`deferredIdentityError`); this hook is for API routes without a limit, appended to their own
 * onRequest hooks.
 */
export function deferredIdentityErrorHook(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (error?: Error) => void,
) {
  done(deferredErrors.get(request));
}
