import { describe, expect, it } from 'vitest';
import { watchParent } from './parent-watch.js';

describe('watchParent', () => {
  it('watches only a process npm started: started any other way, outliving the parent is intended', () => {
    expect(watchParent(() => {}, {})).toBeNull();
    const stop = watchParent(() => {}, { npm_lifecycle_event: 'start' });
    expect(stop).toBeTypeOf('function');
    stop?.();
  });

  it('calls back once when the parent is no longer the one the program started with', async () => {
    let calls = 0;
    // As if the program had started under another parent that is gone now.
    const stop = watchParent(() => calls++, { npm_lifecycle_event: 'start' }, 10, process.ppid + 100_000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    stop?.();
    expect(calls).toBe(1);
  });

  it('does not call back while the parent is the same', async () => {
    let called = false;
    const stop = watchParent(() => (called = true), { npm_lifecycle_event: 'start' }, 10);
    await new Promise((resolve) => setTimeout(resolve, 60));
    stop?.();
    expect(called).toBe(false);
  });
});
