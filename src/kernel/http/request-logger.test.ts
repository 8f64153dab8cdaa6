import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestLogger, requestLoggerFactory } from './request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const root = pino(
    { level, base: { service: 'carsi' } },
    { write: (line: string) => lines.push(JSON.parse(line)) },
  );
  return { root, lines };
}

describe('request logger', () => {
  it('writes what a pino child with the request id would, and nothing at disabled levels', () => {
    const { root, lines } = capture('info');
    const log = requestLoggerFactory(root, { requestId: 'r-1' }, {});
    expect(log).toBeInstanceOf(RequestLogger);
    log.debug('hidden');
    log.trace({ a: 1 }, 'hidden');
    expect(lines).toEqual([]);
    log.info({ limit: 3 }, 'rate limited');
    log.error(new Error('boom'), 'failed');
    root.child({ requestId: 'r-1' }).info({ limit: 3 }, 'rate limited');
    expect(lines).toHaveLength(3);
    const { time: _a, ...first } = lines[0]!;
    const { time: _b, ...reference } = lines[2]!;
    expect(first).toEqual(reference);
    expect(lines[1]).toMatchObject({ level: 50, requestId: 'r-1', msg: 'failed', err: { message: 'boom' } });
    expect(log.level).toBe('info');
  });

  it('follows a level set on it, and makes its children from the request child', () => {
    const { root, lines } = capture('warn');
    const log = requestLoggerFactory(root, { requestId: 'r-2' }, {});
    expect(log.level).toBe('warn');
    log.level = 'debug';
    log.debug('shown');
    log.child({ step: 'x' }).info('nested');
    expect(lines.map((line) => [line['msg'], line['requestId'], line['step']])).toEqual([
      ['shown', 'r-2', undefined],
      ['nested', 'r-2', 'x'],
    ]);
  });

  it('is pino’s own child when the route sets a level', () => {
    const { root } = capture('info');
    const log = requestLoggerFactory(root, { requestId: 'r-3' }, { level: 'error' });
    expect(log).not.toBeInstanceOf(RequestLogger);
    expect(log.level).toBe('error');
  });
});
