import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { withTx } from '../../db/tx.js';
import { auditLogs } from '../../kernel/audit/schema.js';
import { systemContext } from '../../kernel/context.js';
import { createTenant, tenants } from './index.js';

describe('GET /api/v1/tenant', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await withTx(systemContext(t.runtime, null), async (tx) => {
      await createTenant(tx, {
        slug: 'bayi-istanbul',
        name: 'İstanbul Bayi Şirketi',
        settings: { defaultCurrency: 'EUR', locale: 'en-GB' },
      });
      const paused = await createTenant(tx, { slug: 'askida', name: 'Askıda' });
      await tx.db.update(tenants).set({ status: 'suspended' }).where(eq(tenants.id, paused.id));
    });
  });
  afterAll(() => t?.close());

  it('returns the default tenant when no X-Tenant is sent', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/tenant' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      slug: 'demo',
      name: 'Çarşı Demo Ambalaj',
      defaultCurrency: 'TRY',
      locale: 'tr-TR',
    });
  });

  it('returns the tenant named by X-Tenant, with its own settings', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/tenant',
      headers: { 'x-tenant': 'bayi-istanbul' },
    });
    expect(response.json()).toEqual({
      slug: 'bayi-istanbul',
      name: 'İstanbul Bayi Şirketi',
      defaultCurrency: 'EUR',
      locale: 'en-GB',
    });
  });

  it('answers an unknown or malformed slug with 404 tenant.not_found', async () => {
    for (const slug of ['yok', 'UPPER', "x'; DROP TABLE tenants;--", 'a'.repeat(300)]) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/v1/tenant',
        headers: { 'x-tenant': slug },
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ code: 'tenant.not_found' });
    }
  });

  it('answers a suspended tenant with 403 tenant.suspended', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/tenant',
      headers: { 'x-tenant': 'askida' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'tenant.suspended' });
  });

  it('does not resolve a tenant for probes outside the API', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-tenant': 'yok' } });
    expect(response.statusCode).toBe(200);
  });

  it('audits tenant creation as a platform action', async () => {
    const rows = await withTx(systemContext(t.runtime, null), (tx) =>
      tx.db.select().from(auditLogs).where(eq(auditLogs.action, 'tenant.created')),
    );
    expect(rows.map((r) => (r.after as { slug: string }).slug).sort()).toEqual([
      'askida',
      'bayi-istanbul',
      'demo',
    ]);
    expect(rows.every((r) => r.tenantId === null && r.actorType === 'system')).toBe(true);
  });

  it('refuses a second tenant with the same slug', async () => {
    await expect(
      withTx(systemContext(t.runtime, null), (tx) => createTenant(tx, { slug: 'demo', name: 'Again' })),
    ).rejects.toMatchObject({ code: 'tenant.slug_taken', status: 409 });
  });
});
