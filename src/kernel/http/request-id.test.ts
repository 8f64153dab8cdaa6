import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('generated request ids', () => {
  it('are UUIDv7s carrying the current time', () => {
    const before = Date.now();
    const id = newRequestId();
    const after = Date.now();
    expect(id).toMatch(UUID_V7);
    const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('are unique and ordered within a process', () => {
    const ids = Array.from({ length: 200_000 }, newRequestId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
    // Ordered unless the counter wraps, which it does at most once in this run.
    const descents = ids.filter((id, i) => i > 0 && id < ids[i - 1]!).length;
    expect(descents).toBeLessThanOrEqual(1);
  });
});
