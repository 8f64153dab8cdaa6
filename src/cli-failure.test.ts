import { describe, expect, it } from 'vitest';
import { describeFailure } from './cli-failure.js';
import { EmbeddedDatabaseError } from './db/embedded.js';

describe('describeFailure', () => {
  it('never answers "undefined", whatever was thrown', () => {
    for (const thrown of [undefined, null, '', new Error(''), Object.assign(new Error(''), { stack: '' })]) {
      const text = describeFailure(thrown);
      expect(text).not.toMatch(/^undefined$|^null$|^$/);
      expect(text.length).toBeGreaterThan(10);
    }
  });

  it('prints an operator message alone, and a stack for anything else', () => {
    expect(describeFailure(new EmbeddedDatabaseError('Stop that process first.'))).toBe(
      'Stop that process first.',
    );
    const bug = new TypeError('x is not a function');
    expect(describeFailure(bug)).toContain('TypeError: x is not a function\n    at ');
    expect(describeFailure('plain text')).toBe('plain text');
    expect(describeFailure({ code: 'E1' })).toBe('{"code":"E1"}');
  });
});
