import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import { type ResolvedTenant, tenantDirectoryOf } from '../tenancy/index.js';

/**
 * preValidation guard for catalog reads (products, categories, brands, attributes). Anyone may read unless the
 * tenant requires login (`settings.catalog.requireLogin`), when anonymous callers get 401.
 */
export function catalogReadAccess(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: (error?: Error) => void,
): void {
  const { ctx } = request;
  if (ctx.actor.type === 'user' || ctx.actor.type === 'api_key') {
    done();
    return;
  }
  if (!ctx.tenantId) {
    done(new AppError('tenant.required', 400, 'The catalog belongs to a tenant.'));
    return;
  }
  const check = (tenant: ResolvedTenant) => {
    done(
      tenant.catalogRequiresLogin
        ? new AppError('auth.unauthenticated', 401, 'This catalog is shown to signed-in customers only.')
        : undefined,
    );
  };
  const tenants = tenantDirectoryOf(ctx.runtime);
  const cached = tenants.resolveIdCached(ctx.tenantId);
  if (cached) check(cached);
  else tenants.resolveId(ctx.tenantId).then(check, done);
}

/**
 * Whether the caller sees draft and archived products, inactive variants and the like: staff users
 * and API keys holding `products.view`. Customers and guests see active products only.
 */
export function seesUnpublished(actor: Actor): boolean {
  return actor.kind !== 'customer' && actor.permissions?.has('products.view') === true;
}

/** The tenant's content language (`tr` unless the tenant's locale says otherwise). */
export function contentLocaleOf(request: FastifyRequest): string {
  const tenantId = request.ctx.tenantId;
  const tenant = tenantId ? tenantDirectoryOf(request.ctx.runtime).resolveIdCached(tenantId) : undefined;
  return tenant?.contentLocale ?? 'tr';
}
