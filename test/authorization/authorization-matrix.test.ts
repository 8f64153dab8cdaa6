import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTx } from '../../src/db/tx.js';
import { systemContext } from '../../src/kernel/context.js';
import { BUILT_IN_ROLES, createUser } from '../../src/modules/identity/index.js';
import { ALL_PERMISSIONS, CUSTOMER_PERMISSIONS } from '../../src/modules/identity/permissions.js';
import { grantedBy } from '../../src/modules/identity/privileges.js';
import { createTestApp, type TestApp } from '../app.js';
import { BOOTSTRAP_ADMIN, makeUser, signIn } from '../identity.js';
import { PERMISSION_TABLE, type Rule } from './permission-table.js';

const PASSWORD = 'Yetki-Tablosu-2024!';
const STATE_CHANGING = ['post', 'put', 'patch', 'delete'];
const UNKNOWN_ID = '0190a000-0000-7000-8000-00000000abcd';

interface Caller {
  label: string;
  kind: 'staff' | 'customer' | 'api_key';
  permissions: ReadonlySet<string>;
  /** The headers that carry its credentials. */
  auth: Record<string, string>;
}

/**
 * Every state-changing staff route, tried by a user of every built-in role, of a custom role holding
 * a single permission, and by an API key with a single scope: each must be let through or refused
 * exactly as PERMISSION_TABLE says.
 * The body sent is an empty object and ids are unknown, so a caller let through gets a validation or
 * not-found answer, and nothing changes; one refused gets 403 auth.forbidden.
 */
describe('authorization matrix', () => {
  let t: TestApp;
  let operations: { method: string; path: string; key: string }[];
  const callers: Caller[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await signIn(t.app, BOOTSTRAP_ADMIN.email, BOOTSTRAP_ADMIN.password);
    const document = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((method) => STATE_CHANGING.includes(method))
        .map((method) => ({ method: method.toUpperCase(), path, key: `${method.toUpperCase()} ${path}` })),
    );

    const roles = [
      ...BUILT_IN_ROLES.map((role) => ({
        key: role.key,
        audience: role.audience,
        permissions: grantedBy(role),
      })),
      ...ALL_PERMISSIONS.map((permission) => ({
        key: `only_${permission.replace('.', '_')}`,
        audience: 'staff' as const,
        permissions: [permission],
      })),
      ...CUSTOMER_PERMISSIONS.map((permission) => ({
        key: `customer_only_${permission.replace('.', '_')}`,
        audience: 'customer' as const,
        permissions: [permission],
      })),
    ];
    for (const role of roles.filter((r) => r.key.includes('only_'))) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/roles',
        headers: admin.auth,
        payload: { key: role.key, name: role.key, audience: role.audience, permissions: role.permissions },
      });
      expect(created.statusCode, created.body).toBe(201);
    }
    for (const role of roles) {
      const email = `${role.key.replaceAll('_', '-')}@yetki.test`;
      await makeUser(t, { email, password: PASSWORD, roles: [role.key], kind: role.audience });
      callers.push({
        label: `${role.audience} role ${role.key}`,
        kind: role.audience,
        permissions: new Set(role.permissions),
        auth: (await signIn(t.app, email, PASSWORD)).auth,
      });
    }
    // API keys with one scope each, made by the super_admin (who holds every permission).
    for (const permission of ALL_PERMISSIONS) {
      const made = await t.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: admin.auth,
        payload: { name: `only ${permission}`, scopes: [permission] },
      });
      expect(made.statusCode, made.body).toBe(201);
      callers.push({
        label: `API key with ${permission}`,
        kind: 'api_key',
        permissions: new Set([permission]),
        auth: { 'x-api-key': made.json().key },
      });
    }
  }, 120_000);
  afterAll(() => t?.close());

  it('has a rule for every state-changing route, and no rule for a route that is gone', () => {
    const missing = operations.filter((op) => !(op.key in PERMISSION_TABLE)).map((op) => op.key);
    expect(missing, 'add these routes to test/authorization/permission-table.ts').toEqual([]);
    const gone = Object.keys(PERMISSION_TABLE).filter((key) => !operations.some((op) => op.key === key));
    expect(gone, 'these routes are no longer in the API').toEqual([]);
  });

  /** Whether the rule lets this caller through its guard. */
  function allows(rule: Rule, caller: Caller): boolean {
    if ('needs' in rule) return rule.needs.every((p) => caller.permissions.has(p));
    if ('staffNeeds' in rule)
      return caller.kind === 'staff' && rule.staffNeeds.every((p) => caller.permissions.has(p));
    if ('tenantMember' in rule || 'signedIn' in rule || 'anyone' in rule) return true;
    return false; // platform
  }

  function refused(response: LightMyRequestResponse): boolean {
    if (response.statusCode === 401) return true;
    return response.statusCode === 403 && (response.json() as { code: string }).code === 'auth.forbidden';
  }

  it('lets through, or refuses, each role on each staff route exactly as the table says', async () => {
    const wrong: string[] = [];
    const staffRoutes = operations.filter((op) => {
      const rule = PERMISSION_TABLE[op.key]!;
      return !('signedIn' in rule) && !('anyone' in rule) && !('staffByTarget' in rule);
    });
    expect(staffRoutes.length).toBeGreaterThanOrEqual(40);
    for (const op of staffRoutes) {
      const rule = PERMISSION_TABLE[op.key]!;
      const url = op.path.replace(/\{[^}]+\}/g, UNKNOWN_ID);
      for (const caller of callers) {
        const response = await t.app.inject({
          method: op.method as 'POST',
          url,
          headers: caller.auth,
          payload: {},
        });
        const expected = allows(rule, caller) ? 'through' : 'refused';
        const actual = refused(response) ? 'refused' : 'through';
        if (expected !== actual || response.statusCode >= 500) {
          wrong.push(
            `${op.key} as ${caller.label}: expected ${expected}, got ${response.statusCode} ${response.body.slice(0, 120)}`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('erases a staff user only for users.manage, a customer only for customers.edit, staff alone', async () => {
    const wrong: string[] = [];
    const tenantId = await t.tenantId('demo');
    for (const targetKind of ['staff', 'customer'] as const) {
      const needed = targetKind === 'staff' ? 'users.manage' : 'customers.edit';
      for (const caller of callers) {
        // A target of its own per attempt: an erasure let through spends it.
        const target = await withTx(systemContext(t.runtime, tenantId), (tx) =>
          createUser(tx, {
            kind: targetKind,
            email: `hedef-${targetKind}-${callers.indexOf(caller)}@yetki.test`,
            name: 'Hedef',
            roles: [],
          }),
        );
        const response = await t.app.inject({
          method: 'POST',
          url: `/api/v1/users/${target.id}/erase`,
          headers: caller.auth,
        });
        const expected = caller.kind === 'staff' && caller.permissions.has(needed) ? 204 : 403;
        if (response.statusCode !== expected) {
          wrong.push(
            `erase ${targetKind} as ${caller.label}: expected ${expected}, got ${response.statusCode}`,
          );
        }
        const [row] = await t.ownerQuery<{ status: string }>('SELECT status FROM users WHERE id = $1', [
          target.id,
        ]);
        if ((row?.status === 'erased') !== (expected === 204))
          wrong.push(`erase ${targetKind} as ${caller.label}: status ${row?.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('changes nothing when it refuses', async () => {
    // The refused attempts above wrote nothing a user could see: no role, user, key or product beyond setup.
    const [counts] = await t.ownerQuery<{
      roles: number;
      keys: number;
      products: number;
      categories: number;
    }>(
      `SELECT (SELECT count(*)::int FROM roles WHERE NOT built_in) AS roles,
              (SELECT count(*)::int FROM api_keys) AS keys,
              (SELECT count(*)::int FROM products) AS products,
              (SELECT count(*)::int FROM categories) AS categories`,
    );
    expect(counts).toEqual({
      roles: ALL_PERMISSIONS.length + CUSTOMER_PERMISSIONS.length,
      keys: ALL_PERMISSIONS.length,
      products: 0,
      categories: 0,
    });
  });
});
