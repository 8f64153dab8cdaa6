import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';

// Every limiter test runs in-process, and against Redis too when REDIS_URL is set.
const stores = [
  { name: 'in-process', env: {} as Record<string, string> },
  ...(process.env['REDIS_URL'] ? [{ name: 'redis', env: { REDIS_URL: process.env['REDIS_URL'] } }] : []),
];

describe.each(stores)('rate limit ($name store)', ({ env }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...env, RATE_LIMIT_IP_PER_MIN: '3' } });
  });
  afterAll(() => t?.close());

  it('answers 429 with Retry-After once an address exceeds its limit, and counts per address', async () => {
    // Random addresses: a shared Redis may still hold counters from an earlier run.
    const randomAddress = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 250)).join('.')}`;
    const remoteAddress = randomAddress();
    const call = (address = remoteAddress) =>
      t.app.inject({ method: 'GET', url: '/api/v1/tenant', remoteAddress: address });
    for (let i = 0; i < 3; i++) expect((await call()).statusCode).toBe(200);
    const limited = await call();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ code: 'request.rate_limited', status: 429 });
    expect((await call(randomAddress())).statusCode).toBe(200);
  });

  it('never limits health, readiness and metrics probes', async () => {
    for (let i = 0; i < 6; i++) {
      const response = await t.app.inject({ method: 'GET', url: '/health', remoteAddress: '10.1.1.1' });
      expect(response.statusCode).toBe(200);
    }
  });
});
