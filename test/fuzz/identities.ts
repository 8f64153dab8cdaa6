import { withTx } from '../../src/db/tx.js';
import { systemContext } from '../../src/kernel/context.js';
import { createUser } from '../../src/modules/identity/index.js';
import type { TestApp } from '../app.js';
import { BOOTSTRAP_ADMIN, makeUser } from '../identity.js';

/*
 * Who the cases are sent as: nobody, a signed-in customer, the tenant's super_admin, an API key with
 * every scope (made by the super_admin), the platform administrator, and the super_admin of a second
 * tenant (whose data must never show in the first one's answers, nor the other way round). A case may
 * sign its identity out, erase or deactivate it, or take its roles away; the run then makes a fresh
 * one, so the rest of the run keeps its coverage.
 */

export const IDENTITY_NAMES = ['guest', 'customer', 'super_admin', 'api_key', 'platform', 'rival'] as const;
export type IdentityName = (typeof IDENTITY_NAMES)[number];

/** The tenant the run works in, and the second one. */
export const HOME_TENANT = 'demo';
export const RIVAL_TENANT = 'fuzz-rakip';

/** The tenant an identity's requests belong to; null for the platform administrator. */
export function tenantOf(name: IdentityName): string | null {
  if (name === 'platform') return null;
  return name === 'rival' ? RIVAL_TENANT : HOME_TENANT;
}

export interface Identity {
  name: IdentityName;
  email?: string;
  password?: string;
  userId?: string;
  accessToken?: string;
  apiKey?: string;
}

const PASSWORD = 'Fuzz-Kestane-Şekeri-2024!';

/** Requests that must succeed for the identity to be of use: who it is, and what it may do. */
const PROBES: Record<Exclude<IdentityName, 'guest'>, string[]> = {
  customer: ['/api/v1/me'],
  super_admin: ['/api/v1/me', '/api/v1/users?limit=1', '/api/v1/roles'],
  api_key: ['/api/v1/users?limit=1'],
  platform: ['/api/v1/platform/tenants?limit=1'],
  rival: ['/api/v1/me', '/api/v1/users?limit=1'],
};

export class Identities {
  private readonly identities = new Map<IdentityName, Identity>();
  private made = 0;
  /** The id of the second tenant. */
  rivalTenantId = '';
  /** Why each replacement was made: the identity, the case after which, and the probe it failed. */
  readonly reasons: string[] = [];

  private constructor(private readonly t: TestApp) {}

  static async create(t: TestApp): Promise<Identities> {
    const identities = new Identities(t);
    identities.identities.set('guest', { name: 'guest' });
    await identities.signIn({ name: 'super_admin', ...BOOTSTRAP_ADMIN });
    await identities.signIn({ name: 'platform', ...BOOTSTRAP_ADMIN });
    await identities.fresh('customer');
    await identities.fresh('api_key');
    await identities.rivalTenant();
    return identities;
  }

  get(name: IdentityName): Identity {
    return this.identities.get(name) as Identity;
  }

  /** The identity's credentials as request headers. */
  headers(name: IdentityName): Record<string, string> {
    const { accessToken, apiKey } = this.get(name);
    if (apiKey) return { 'x-api-key': apiKey };
    return accessToken ? { authorization: `Bearer ${accessToken}` } : {};
  }

  /** Every signed-in identity's email and password, for cases that sign in. */
  credentials(): { email: string; password: string }[] {
    return [...this.identities.values()]
      .filter((identity) => identity.email && identity.password)
      .map((identity) => ({ email: identity.email as string, password: identity.password as string }));
  }

  /** Checks each identity with its probes and replaces the ones that no longer pass them. */
  async ensure(after: string): Promise<IdentityName[]> {
    const replaced: IdentityName[] = [];
    for (const [name, probes] of Object.entries(PROBES) as [Exclude<IdentityName, 'guest'>, string[]][]) {
      const failure = await this.failure(name, probes);
      if (!failure) continue;
      await this.fresh(name);
      const again = await this.failure(name, probes);
      if (again) throw new Error(`a fresh ${name} does not pass its own probes: ${again}`);
      replaced.push(name);
      this.reasons.push(`${name} after ${after}: ${failure}`);
    }
    return replaced;
  }

  /** The first probe the identity fails, with the answer, or undefined. */
  private async failure(name: IdentityName, probes: string[]): Promise<string | undefined> {
    for (const url of probes) {
      const response = await this.t.app.inject({
        method: 'GET',
        url,
        headers: this.headers(name),
        remoteAddress: '10.255.255.1',
      });
      if (response.statusCode !== 200)
        return `GET ${url} ${response.statusCode} ${response.body.slice(0, 160)}`;
    }
    return undefined;
  }

  /** The second tenant, made through the platform API with its first super_admin. */
  private async rivalTenant(): Promise<void> {
    const email = `sahip@${RIVAL_TENANT}.test`;
    const response = await this.t.app.inject({
      method: 'POST',
      url: '/api/v1/platform/tenants',
      headers: this.headers('platform'),
      payload: { slug: RIVAL_TENANT, name: 'Rakip Ambalaj', owner: { email, password: PASSWORD } },
    });
    if (response.statusCode !== 201)
      throw new Error(`no second tenant: ${response.statusCode} ${response.body}`);
    this.rivalTenantId = (response.json() as { id: string }).id;
    await this.signIn({ name: 'rival', email, password: PASSWORD });
  }

  /** A new user for the identity, created directly, then signed in through the API. */
  private async fresh(name: Exclude<IdentityName, 'guest'>): Promise<void> {
    this.made += 1;
    if (name === 'api_key') return this.freshKey();
    const email = `fuzz-${name.replace('_', '-')}-${this.made}@ornek.com.tr`;
    if (name === 'platform') {
      await withTx(systemContext(this.t.runtime, null), (tx) =>
        createUser(tx, {
          kind: 'platform',
          email,
          name: 'Fuzz Platform',
          password: PASSWORD,
          emailVerified: true,
        }),
      );
    } else {
      await makeUser(
        this.t,
        {
          email,
          password: PASSWORD,
          name: `Fuzz ${name}`,
          kind: name === 'customer' ? 'customer' : 'staff',
          roles: name === 'customer' ? ['dealer_owner'] : ['super_admin'],
        },
        tenantOf(name) ?? HOME_TENANT,
      );
    }
    await this.signIn({ name, email, password: PASSWORD });
  }

  /** A key with every scope there is, made by the current super_admin. */
  private async freshKey(): Promise<void> {
    const headers = this.headers('super_admin');
    const permissions = await this.t.app.inject({ method: 'GET', url: '/api/v1/permissions', headers });
    const scopes = (permissions.json() as { items: { name: string }[] }).items.map((item) => item.name);
    const response = await this.t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers,
      payload: { name: `fuzz ${this.made}`, scopes },
    });
    if (response.statusCode !== 201) throw new Error(`no API key: ${response.statusCode} ${response.body}`);
    this.identities.set('api_key', { name: 'api_key', apiKey: (response.json() as { key: string }).key });
  }

  private async signIn(identity: Identity & { email: string; password: string }): Promise<void> {
    const tenant = tenantOf(identity.name);
    const response = await this.t.app.inject({
      method: 'POST',
      url: identity.name === 'platform' ? '/api/v1/platform/auth/login' : '/api/v1/auth/login',
      headers: tenant && tenant !== HOME_TENANT ? { 'x-tenant': tenant } : {},
      payload: { email: identity.email, password: identity.password },
      // An address of its own: the cases' failed sign-ins must not lock the run's own sign-ins out.
      remoteAddress: `10.254.${this.made % 250}.${(this.reasons.length % 250) + 1}`,
    });
    if (response.statusCode !== 200) {
      throw new Error(`${identity.name} cannot sign in: ${response.statusCode} ${response.body}`);
    }
    const body = response.json() as { accessToken: string; user: { id: string } };
    this.identities.set(identity.name, { ...identity, accessToken: body.accessToken, userId: body.user.id });
  }
}
