import { isIP } from 'node:net';
import type {} from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { withTx } from '../../db/tx.js';
import { type Actor, type Runtime, systemContext } from '../../kernel/context.js';
import { AppError } from '../../kernel/errors.js';
import type { AccessTokens, VerifiedAccess } from './access-tokens.js';
import { ALL_PERMISSIONS } from './permissions.js';
import { SUPER_ADMIN_ROLE } from './privileges.js';
import { type AccessRevocations, revocationsOf } from './revocations.js';
import { permissionsFor, type RolePermissionCache, rolePermissionCacheOf } from './roles.service.js';
import { hashToken, sameHash } from './secrets.js';
import { accessTokensOf } from './sessions.service.js';

export const ACCESS_COOKIE = 'carsi_access';
export const REFRESH_COOKIE = 'carsi_refresh';
export const CSRF_COOKIE = 'carsi_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Who the credentials name, and the tenant they belong to (null: a platform administrator). */
export interface Identity {
  actor: Actor;
  tenantId: string | null;
}

const API_KEY = /^ck_([0-9a-f-]{36})_([\w-]{20,100})$/;
const BEARER = /^Bearer [\w.-]+$/;

type RoleMap = Map<string, ReadonlySet<string>>;
/** An identity made from a token, and what it was made from: reused while both are current. */
interface Made {
  map: RoleMap;
  roleKeys: readonly string[];
  identity: Identity;
}

function actorOf(claims: VerifiedAccess, via: 'bearer' | 'cookie', roles: readonly string[]) {
  return {
    type: 'user' as const,
    id: claims.sub,
    kind: claims.knd,
    sessionId: claims.sid,
    roles,
    via,
  };
}

const badKey = () => new AppError('auth.invalid_api_key', 401, 'The API key is invalid, expired or revoked.');
const sessionEnded = () =>
  new AppError(
    'auth.session_ended',
    401,
    'This session has ended (signed out, revoked, or the account deactivated); sign in again.',
  );
const EMPTY: ReadonlySet<string> = new Set();

interface ApiKeyRecord {
  tenant_id: string;
  secret_hash: string;
  scopes: string[];
  allowed_ips: string[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_by: string;
  owner_status: string | null;
  owner_roles: string[];
  owner_permissions: string[];
}

/**
 * Turns a request's credentials into an actor: a Bearer access token (or the access cookie), or an
 * `X-API-Key`. Access tokens are checked without the database: against the process's revocations
 * (sessions ended, users deactivated, roles replaced: revocations.ts), then their role keys become
 * permissions through a per-tenant cache. API keys are looked up on every request, with their
 * owner, so a revoked key, or one whose owner was deactivated or lost a scope, stops at once.
 */
export class Authenticator {
  readonly roles: RolePermissionCache;
  private readonly tokens: AccessTokens;
  /**
   * The identity made from a verified token's claims (kept with those claims, per way of sending
   * them), reused while the tenant's role map it was made from is the current one: a client sends the
   * same token on every request for up to 15 minutes.
   */
  private readonly identities = {
    bearer: new WeakMap<VerifiedAccess, Made>(),
    cookie: new WeakMap<VerifiedAccess, Made>(),
  };
  private readonly revocations: AccessRevocations;

  constructor(private readonly runtime: Runtime) {
    this.roles = rolePermissionCacheOf(runtime);
    this.tokens = accessTokensOf(runtime);
    this.revocations = revocationsOf(runtime);
  }

  /** The identity, synchronously when possible (a token whose tenant's roles are cached); null when anonymous. */
  identify(request: FastifyRequest): Identity | Promise<Identity> | null {
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && authorization !== '') {
      // A token verified before passed this pattern then: only a new one is matched against it.
      const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
      if (!this.tokens.seen(token) && !BEARER.test(authorization)) {
        throw new AppError('auth.invalid_token', 401, 'Authorization must be "Bearer <access token>".');
      }
      return this.fromAccessToken(token, 'bearer');
    }
    const apiKey = request.headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey !== '') return this.fromApiKey(apiKey, request.ip);
    const cookie = cookiesOf(request)[ACCESS_COOKIE];
    if (cookie) return this.fromAccessToken(cookie, 'cookie');
    return null;
  }

  private fromAccessToken(token: string, via: 'bearer' | 'cookie'): Identity | Promise<Identity> {
    const claims = this.tokens.verify(token);
    // A session ended, or a user deactivated, since the token was issued: refused at once.
    if (this.revocations.refuses(claims.sid, claims.sub)) throw sessionEnded();
    // Roles replaced since: they count instead of those the token names.
    const roleKeys = this.revocations.rolesOf(claims.sub) ?? claims.rls;
    // A token issued while a required second factor is not yet set up grants no permissions.
    if (claims.tid === null || claims.mfa === 'setup_required') {
      return { actor: { ...actorOf(claims, via, roleKeys), permissions: EMPTY }, tenantId: claims.tid };
    }
    const map = this.roles.peek(claims.tid);
    if (map) {
      const made = this.identities[via].get(claims);
      if (made?.map === map && made.roleKeys === roleKeys) return made.identity;
      return this.identityOf(claims, via, map, roleKeys);
    }
    return this.roles.get(claims.tid).then((loaded) => this.identityOf(claims, via, loaded, roleKeys));
  }

  private identityOf(
    claims: VerifiedAccess,
    via: 'bearer' | 'cookie',
    map: RoleMap,
    roleKeys: readonly string[],
  ): Identity {
    const identity = {
      actor: { ...actorOf(claims, via, roleKeys), permissions: permissionsFor(map, roleKeys) },
      tenantId: claims.tid,
    };
    this.identities[via].set(claims, { map, roleKeys, identity });
    return identity;
  }

  private async fromApiKey(value: string, ip: string): Promise<Identity> {
    const match = API_KEY.exec(value);
    if (!match) throw badKey();
    const [, keyId, secret] = match as unknown as [string, string, string];
    // The key names its tenant: it is found before any tenant is set, through a narrow definer function
    // (which ignores the session tenant, so a plain pool query is right here).
    const { rows } = await this.runtime.db.pool.query<ApiKeyRecord>(
      'SELECT * FROM carsi_api_key_for_auth($1)',
      [keyId],
    );
    const key = rows[0];
    if (!key || !sameHash(key.secret_hash, hashToken(secret))) throw badKey();
    if (key.revoked_at || (key.expires_at && key.expires_at.getTime() <= Date.now())) throw badKey();
    if (key.allowed_ips && key.allowed_ips.length > 0 && !ipAllowed(ip, key.allowed_ips)) {
      throw new AppError('auth.ip_not_allowed', 403, 'This API key may not be used from this address.');
    }
    // A key acts for the user who made it: it stops when that user may no longer do what it does.
    if (key.owner_status !== 'active') {
      throw new AppError(
        'auth.api_key_owner_inactive',
        401,
        'The user who made this API key is no longer active; an active user must make a new one.',
      );
    }
    const ownerHolds = new Set(
      key.owner_roles.includes(SUPER_ADMIN_ROLE) ? ALL_PERMISSIONS : key.owner_permissions,
    );
    const lost = key.scopes.filter((scope) => !ownerHolds.has(scope));
    if (lost.length > 0) {
      throw new AppError(
        'auth.api_key_owner_lacks_scopes',
        401,
        `The user who made this API key no longer holds: ${lost.join(', ')}. Make a new key.`,
      );
    }
    if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > 60_000) {
      await withTx(systemContext(this.runtime, key.tenant_id), (tx) =>
        tx.client.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [keyId]),
      );
    }
    return {
      actor: {
        type: 'api_key',
        id: keyId,
        kind: 'staff',
        permissions: new Set(key.scopes),
        ownerId: key.created_by,
        via: 'api_key',
      },
      tenantId: key.tenant_id,
    };
  }
}

/** The request's cookies, parsed on first use (most API requests carry none). */
export function cookiesOf(request: FastifyRequest): Record<string, string | undefined> {
  if (!request.cookies) {
    const header = request.headers.cookie;
    request.cookies = header ? request.server.parseCookie(header) : {};
  }
  return request.cookies;
}

/** Cookie sessions prove a state-changing request is their own by echoing the CSRF cookie in a header. */
export function checkCsrf(request: FastifyRequest): void {
  const header = request.headers[CSRF_HEADER];
  const cookie = cookiesOf(request)[CSRF_COOKIE];
  if (typeof header !== 'string' || !cookie || !sameHash(header, cookie)) {
    throw new AppError(
      'auth.csrf',
      403,
      `Send the ${CSRF_COOKIE} cookie's value in the X-CSRF-Token header.`,
    );
  }
}

/** Exact addresses and IPv4 CIDR ranges (0 to 32 bits; anything else never matches). */
export function ipAllowed(ip: string, allowed: readonly string[]): boolean {
  const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return allowed.some((entry) => {
    const [base, bits] = entry.split('/');
    if (bits === undefined) return base === address;
    if (isIP(base ?? '') !== 4 || isIP(address) !== 4 || !/^\d{1,2}$/.test(bits) || Number(bits) > 32)
      return false;
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return (toNumber(address) & mask) === (toNumber(base!) & mask);
  });
}

function toNumber(ipv4: string): number {
  return ipv4.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}
