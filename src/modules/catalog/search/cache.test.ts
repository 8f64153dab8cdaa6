import { describe, expect, it } from 'vitest';
import { TenantCache } from './cache.js';

describe('TenantCache', () => {
  it('computes once for concurrent and repeated requests until the entry expires', async () => {
    let now = 0;
    const cache = new TenantCache<number>(1000, 10, () => now);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await Promise.all([cache.get('t', 'k', load), cache.get('t', 'k', load)])).toEqual([1, 1]);
    now = 999;
    expect(await cache.get('t', 'k', load)).toBe(1);
    now = 1000;
    expect(await cache.get('t', 'k', load)).toBe(2);
  });

  it('keeps tenants apart and forgets one tenant on invalidation', async () => {
    const cache = new TenantCache<string>(1000, 10);
    await cache.get('a', 'k', async () => 'a1');
    await cache.get('b', 'k', async () => 'b1');
    cache.invalidate('a');
    expect(await cache.get('a', 'k', async () => 'a2')).toBe('a2');
    expect(await cache.get('b', 'k', async () => 'b2')).toBe('b1');
  });

  it('drops the least recently used entry when full, and never keeps failures', async () => {
    const cache = new TenantCache<string>(1000, 2);
    await cache.get('t', '1', async () => 'one');
    await cache.get('t', '2', async () => 'two');
    await cache.get('t', '1', async () => 'unused');
    await cache.get('t', '3', async () => 'three');
    expect(cache.size).toBe(2);
    expect(await cache.get('t', '1', async () => 'again')).toBe('one');
    expect(await cache.get('t', '2', async () => 'reloaded')).toBe('reloaded');
    await expect(cache.get('t', 'x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.get('t', 'x', async () => 'fine')).toBe('fine');
  });
});
