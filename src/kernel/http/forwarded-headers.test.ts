import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.js';
import { FORWARDED_HEADERS, ForwardedHeaderWatch } from './forwarded-headers.js';

/** A logger whose lines are kept, to see what an operator would read. */
function memoryLogger() {
  const lines: { level: number; msg: string; header?: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('forwarded headers without TRUST_PROXY', () => {
  it('warns once per process, for each of the headers a proxy adds', async () => {
    for (const header of FORWARDED_HEADERS) {
      const { log, lines } = memoryLogger();
      const watch = new ForwardedHeaderWatch(log);
      watch.inspect({ 'user-agent': 'curl' }, '10.0.0.1');
      expect(watch.warnings()).toEqual([]);
      for (let request = 0; request < 3; request++) watch.inspect({ [header]: '203.0.113.7' }, '10.0.0.1');
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 40, header });
      expect(lines[0]!.msg).toContain('TRUST_PROXY is unset');
      expect(watch.warnings()).toEqual([lines[0]!.msg]);
    }
  });

  describe('in /ready', () => {
    let t: TestApp;
    let trusting: TestApp;
    beforeAll(async () => {
      [t, trusting] = await Promise.all([createTestApp(), createTestApp({ env: { TRUST_PROXY: 'true' } })]);
    });
    afterAll(async () => {
      await t?.close();
      await trusting?.close();
    });

    it('shows the warning once forwarded headers have arrived, and stays ready', async () => {
      const before = await t.app.inject({ method: 'GET', url: '/ready' });
      expect(before.json()).toMatchObject({ ready: true, warnings: [] });
      const proxied = await t.app.inject({
        method: 'GET',
        url: '/api/v1/tenant',
        headers: { 'x-forwarded-for': '203.0.113.7' },
      });
      expect(proxied.statusCode).toBe(200);
      const after = await t.app.inject({ method: 'GET', url: '/ready' });
      expect(after.statusCode).toBe(200);
      const report = after.json() as { ready: boolean; warnings: string[] };
      expect(report.ready).toBe(true);
      expect(report.warnings).toHaveLength(1);
      expect(report.warnings[0]).toContain('TRUST_PROXY');
      expect(report.warnings[0]).toContain('X-Forwarded-For');
    });

    it('says nothing when TRUST_PROXY is set', async () => {
      await trusting.app.inject({
        method: 'GET',
        url: '/api/v1/tenant',
        headers: {
          'x-forwarded-for': '203.0.113.7',
          forwarded: 'for=203.0.113.7',
          'x-real-ip': '203.0.113.7',
        },
      });
      const ready = await trusting.app.inject({ method: 'GET', url: '/ready' });
      expect(ready.json()).toMatchObject({ ready: true, warnings: [] });
    });
  });
});
