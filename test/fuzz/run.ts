import { sampleImage } from '../../src/modules/files/fixtures.js';
import type { TestApp } from '../app.js';
import { type Change, ChangeLog, unexpectedChanges } from './change-log.js';
import { TenantWitness } from './cross-tenant.js';
import { IdPool, resourceOfField, resourceOfPath } from './id-pool.js';
import { HOME_TENANT, Identities, type IdentityName, RIVAL_TENANT, tenantOf } from './identities.js';
import { type OpenApiDocument, type Operation, operationsOf, resolverOf } from './operations.js';
import { caseSeed, Random } from './random.js';
import { buildRequest, type CaseMode, type FuzzRequest, resourceOfParameter } from './requests.js';
import { decodedBody, type Finding, ResponseChecker } from './responses.js';
import { type Hints, ValueMaker } from './values.js';

/*
 * The fuzz run: case after case, an operation of the app's own OpenAPI document, an identity, a mode
 * (valid, boundary, nasty, hostile) and a request drawn for them; the answer checked against the
 * document and, when it refuses the request, the database checked for changes. Failures are gathered
 * by class.
 */

export interface FuzzOptions {
  seed: number;
  /** How many cases at most. */
  cases: number;
  /** Stop after this many seconds, whatever the count. */
  seconds?: number;
  /** Run only this case (with the run's seed): how a failure is looked at again. */
  only?: number;
  /** Only operations whose id or path matches. */
  operations?: RegExp;
  /** Each case of the matching operations is passed here (to look at what the generators make). */
  trace?: { operations: RegExp; log: (line: string) => void };
  /** Server errors of a request id, as the app's error hook saw them. */
  serverError?: (requestId: string) => Error | undefined;
}

export interface CaseRecord {
  index: number;
  operation: Operation;
  identity: IdentityName;
  mode: CaseMode;
  request: FuzzRequest;
  status: number;
  body: string;
  changes?: Change[];
  error?: string;
}

export interface FailureClass {
  kind: Finding['kind'] | 'data changed by a refused request' | "another tenant's data in the answer";
  operation: string;
  status: number;
  detail: string;
  count: number;
  example: CaseRecord;
}

export interface FuzzResult {
  seed: number;
  cases: number;
  operations: number;
  elapsedMs: number;
  statuses: Map<number, number>;
  failures: FailureClass[];
  identitiesReplaced: string[];
  /** Operations no case got a 2xx from, with the statuses they answered instead. */
  neverSucceeded: string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Successful writes here may sign an identity out, erase or deactivate it, or change what it may do.
const AFFECTS_IDENTITIES = /\/api\/v1\/(auth|me|users|roles|platform|api-keys|permissions)(\/|$)/;

function identityFor(operation: Operation, rng: Random): IdentityName {
  if (operation.path.startsWith('/api/v1/platform/')) {
    return rng.weighted({ platform: 6, guest: 2, super_admin: 1, customer: 1, api_key: 0.5, rival: 0.5 });
  }
  if (operation.secured) {
    return rng.weighted({ super_admin: 5, customer: 3, guest: 2, platform: 1, api_key: 2, rival: 2 });
  }
  return rng.weighted({ guest: 4, super_admin: 3, customer: 2, platform: 1, api_key: 1, rival: 1 });
}

/** The tenant a request ran in: its credentials', else the X-Tenant it named; undefined when unknown. */
function tenantOfRequest(identity: IdentityName, headers: Record<string, string>): string | null | undefined {
  if (identity !== 'guest') return tenantOf(identity);
  const named = headers['x-tenant'];
  if (named === undefined || named === '' || named === HOME_TENANT) return HOME_TENANT;
  return named === RIVAL_TENANT ? RIVAL_TENANT : undefined;
}

function problemCode(body: string): string {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'string' ? code : '';
  } catch {
    return '';
  }
}

export async function runFuzz(t: TestApp, options: FuzzOptions): Promise<FuzzResult> {
  const started = Date.now();
  const document = t.app.swagger() as unknown as OpenApiDocument;
  const resolve = resolverOf(document);
  const operations = operationsOf(document).filter(
    (operation) =>
      !options.operations || options.operations.test(`${operation.id} ${operation.method} ${operation.path}`),
  );
  if (operations.length === 0) throw new Error('no operation to fuzz');
  const checker = new ResponseChecker(document);
  const identities = await Identities.create(t);
  // Ids by the tenant whose answers showed them (and the platform's own).
  const pools = new Map<string, IdPool>([
    [HOME_TENANT, new IdPool()],
    [RIVAL_TENANT, new IdPool()],
    ['platform', new IdPool()],
  ]);
  const witness = new TenantWitness();
  const samples = { png: await sampleImage('png', 8, 8) };

  // Left alone by writes: the role every super_admin holds and the tenants the run works in. Editing
  // them would leave no identity that can reach the staff routes; every other role and tenant is fair.
  const protectedIds = new Set<string>([await t.tenantId(HOME_TENANT), identities.rivalTenantId]);
  for (const admin of ['super_admin', 'rival'] as const) {
    const roles = await t.app.inject({
      method: 'GET',
      url: '/api/v1/roles',
      headers: identities.headers(admin),
    });
    for (const role of (roles.json() as { items: { id: string; key: string }[] }).items) {
      if (role.key === 'super_admin') protectedIds.add(role.id);
    }
  }
  const words = await vocabularyOf(t, identities);
  // Tokens handed out by successful sign-ins, for the cases that refresh, finish a sign-in or reuse one.
  const tokens = new Map<string, string[]>();
  const keepTokens = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    for (const name of ['refreshToken', 'mfaToken']) {
      const token = (value as Record<string, unknown>)[name];
      if (typeof token !== 'string') continue;
      const list = tokens.get(name) ?? [];
      list.push(token);
      if (list.length > 20) list.shift();
      tokens.set(name, list);
    }
  };
  const changes = await ChangeLog.install(t);

  const statuses = new Map<number, number>();
  const byOperation = new Map<Operation, Map<number, number>>(
    operations.map((operation) => [operation, new Map()]),
  );
  const classes = new Map<string, FailureClass>();
  const fail = (kind: FailureClass['kind'], detail: string, record: CaseRecord) => {
    const key = `${kind}|${record.operation.id}|${record.status}|${detail}`;
    const known = classes.get(key);
    if (known) known.count += 1;
    else {
      classes.set(key, {
        kind,
        operation: `${record.operation.method} ${record.operation.path}`,
        status: record.status,
        detail,
        count: 1,
        example: record,
      });
    }
  };

  const deadline = options.seconds ? started + options.seconds * 1000 : Number.POSITIVE_INFINITY;
  const first = options.only ?? 0;
  const last = options.only !== undefined ? options.only + 1 : options.cases;
  let ran = 0;
  for (let index = first; index < last && Date.now() < deadline; index++) {
    const rng = new Random(caseSeed(options.seed, index));
    const operation = rng.pick(operations);
    const identity = identityFor(operation, rng);
    const mode = rng.weighted<CaseMode>({ valid: 35, boundary: 15, nasty: 15, hostile: 35 });
    const writes = !SAFE_METHODS.has(operation.method);
    const own = identities.get(identity);
    const home = tenantOf(identity) ?? 'platform';
    // Now and then an id of the other tenant, which must be as unknown as a made-up one.
    const pool = pools.get(
      home !== 'platform' && rng.chance(0.1) ? (home === HOME_TENANT ? RIVAL_TENANT : HOME_TENANT) : home,
    ) as IdPool;
    // The path's first id, so that a second one (`{variantId}`) can be one of its own.
    let parentId: string | undefined;
    const hints: Hints = {
      id: (name, resource) => {
        if (!rng.chance(0.8)) return undefined;
        const param = operation.parameters.find((p) => p.in === 'path' && p.name === name);
        if (param && name !== 'id' && parentId && rng.chance(0.8)) {
          const child = pool.pickChild(rng, parentId, resourceOfParameter(operation.path, name));
          if (child) return child;
        }
        const target = param
          ? resourceOfParameter(operation.path, name)
          : name === 'id'
            ? resource
            : resourceOfField(name);
        const id = pool.pick(rng, target, writes ? protectedIds : new Set());
        if (param && name === 'id') parentId = id;
        return id;
      },
      email: () => (rng.chance(0.5) ? own.email : rng.pick(identities.credentials()).email),
      password: () => own.password ?? rng.pick(identities.credentials()).password,
      words: (name) => words[name] ?? tokens.get(name),
    };
    const maker = new ValueMaker(rng, resolve, hints, resourceOfPath(operation.path));
    const request = buildRequest(operation, {
      rng,
      maker,
      mode,
      auth: identities.headers(identity),
      known: (kind) => pool.link(rng, kind),
      samples,
    });
    const response = await t.app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: request.headers,
      remoteAddress: request.remoteAddress,
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
    });
    ran += 1;
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    const answered = byOperation.get(operation) as Map<number, number>;
    answered.set(response.statusCode, (answered.get(response.statusCode) ?? 0) + 1);
    const body = decodedBody(response).toString('utf8');
    const record: CaseRecord = {
      index,
      operation,
      identity,
      mode,
      request,
      status: response.statusCode,
      body,
    };
    const findings = checker.check(operation, response);
    if (options.trace?.operations.test(`${operation.id} ${operation.method} ${operation.path}`)) {
      options.trace.log(
        `${index} ${identity} ${mode} ${request.notes.join('; ')}\n  ${request.method} ${request.url}\n  ${String(request.payload ?? '').slice(0, 400)}\n  → ${response.statusCode} ${body.slice(0, 400)}`,
      );
    }
    if (response.statusCode >= 500) {
      const error = options.serverError?.(String(response.headers['x-request-id']));
      if (error) record.error = error.stack ?? String(error);
    }
    for (const finding of findings) {
      const code = problemCode(body);
      fail(finding.kind, [finding.detail, code].filter(Boolean).join(' '), record);
    }

    if (response.statusCode >= 400 && response.statusCode < 500) {
      const changed = unexpectedChanges(await changes.since());
      if (changed.length > 0) {
        record.changes = changed;
        const tables = [...new Set(changed.map((change) => `${change.operation} ${change.table}`))].sort();
        fail('data changed by a refused request', `${tables.join(', ')} (${problemCode(body)})`, record);
      }
    } else await changes.mark();
    if (response.statusCode >= 200 && response.statusCode < 300) {
      const tenant = tenantOfRequest(identity, request.headers);
      let answer: unknown;
      try {
        if (String(response.headers['content-type']).includes('json')) answer = JSON.parse(body);
      } catch {
        // Not JSON after all; the checker has said so.
      }
      if (answer !== undefined && tenant !== undefined) {
        if (tenant) {
          const foreign = witness.crossedOver(answer, tenant);
          if (foreign) fail("another tenant's data in the answer", foreign, record);
        }
        (pools.get(tenant ?? 'platform') as IdPool).harvest(answer, resourceOfPath(operation.path));
        keepTokens(answer);
      }
      if (writes) {
        if (operation.path === '/api/v1/tenant/settings') {
          await restoreTenantSettings(t, identities, identity === 'rival' ? 'rival' : 'super_admin');
        }
        if (AFFECTS_IDENTITIES.test(operation.path)) {
          await identities.ensure(`case ${index}, ${operation.method} ${operation.path} as ${identity}`);
        }
        // What the run did to keep going is not the case's doing.
        await changes.mark();
      }
    }
    // Access tokens last a quarter of an hour: long runs check their identities now and then.
    if (index % 500 === 499) {
      await identities.ensure(`case ${index} (a periodic check)`);
      await changes.mark();
    }
  }

  return {
    seed: options.seed,
    cases: ran,
    operations: operations.length,
    elapsedMs: Date.now() - started,
    statuses,
    failures: [...classes.values()].sort((a, b) => b.count - a.count),
    identitiesReplaced: identities.reasons,
    neverSucceeded: [...byOperation.entries()]
      .filter(([, answered]) => ![...answered.keys()].some((status) => status >= 200 && status < 300))
      .map(
        ([operation, answered]) =>
          `${operation.method} ${operation.path}: ${[...answered.entries()].map(([status, n]) => `${status}×${n}`).join(' ')}`,
      ),
  };
}

/** What fields of some names take in this API, which a schema's pattern alone does not say. */
async function vocabularyOf(t: TestApp, identities: Identities): Promise<Record<string, readonly string[]>> {
  const get = async (url: string) =>
    (
      (await t.app.inject({ method: 'GET', url, headers: identities.headers('super_admin') })).json() as {
        items: { name?: string; key?: string }[];
      }
    ).items;
  const permissions = (await get('/api/v1/permissions')).map((permission) => permission.name as string);
  const roles = (await get('/api/v1/roles')).map((role) => role.key as string);
  return {
    permissions,
    scopes: permissions,
    roles,
    currency: ['TRY', 'EUR', 'USD'],
    defaultCurrency: ['TRY', 'EUR', 'USD'],
    allowedIps: ['10.0.0.0/8', '127.0.0.1', '::1', '192.168.1.0/24'],
    locale: ['tr-TR', 'en', 'de', 'tr', 'ar'],
  };
}

/**
 * Settings that would shut the run's identities out (staff must set up 2FA, sign-in needs approval,
 * the catalog only for signed-in callers) are put back after a case changes them.
 */
async function restoreTenantSettings(
  t: TestApp,
  identities: Identities,
  admin: 'super_admin' | 'rival',
): Promise<void> {
  const response = await t.app.inject({
    method: 'PATCH',
    url: '/api/v1/tenant/settings',
    headers: identities.headers(admin),
    remoteAddress: '10.255.255.2',
    payload: {
      auth: { requireEmailVerification: false, requireApproval: false, requireStaffMfa: false },
      catalog: { requireLogin: false },
    },
  });
  if (response.statusCode !== 200)
    throw new Error(`tenant settings not restored: ${response.statusCode} ${response.body}`);
}
