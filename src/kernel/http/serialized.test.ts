import { describe, expect, it } from 'vitest';
import { acceptsGzip } from './serialized.js';

describe('acceptsGzip', () => {
  it('accepts gzip when listed, or when any coding is', () => {
    for (const header of [
      'gzip',
      'gzip, deflate, br',
      'br;q=1.0, GZIP;q=0.5',
      'x-gzip',
      '*',
      'br, *;q=0.1',
    ]) {
      expect(acceptsGzip(header), header).toBe(true);
    }
  });

  it('refuses it when absent, refused with q=0, or only other codings are listed', () => {
    for (const header of [
      undefined,
      '',
      'identity',
      'br',
      'gzip;q=0',
      'gzip; q=0.000',
      '*;q=0',
      'br, gzip;q=0, *',
    ]) {
      expect(acceptsGzip(header), String(header)).toBe(false);
    }
  });
});
