import { describe, expect, it } from 'vitest';
import { baseSlug, isSlug, MAX_SLUG_LENGTH, slugify } from './slugs.js';

describe('slugify', () => {
  it('transliterates Turkish letters and joins words with single dashes', () => {
    expect(slugify('Kraft Kutu Ölçülü')).toBe('kraft-kutu-olculu');
    expect(slugify('çÇğĞıIİöÖşŞüÜ')).toBe('ccggiiioossuu');
    expect(slugify('IĞDIR İŞLEMELİ ÇİNİ')).toBe('igdir-islemeli-cini');
    expect(slugify('Şemsiye & Yağmurluk -- 2. El')).toBe('semsiye-yagmurluk-2-el');
  });

  it('drops other accents and trims dashes at both ends', () => {
    expect(slugify('  Crème brûlée  ')).toBe('creme-brulee');
    expect(slugify('Kâğıt Havlu (12’li)')).toBe('kagit-havlu-12-li');
    expect(slugify('--A4--')).toBe('a4');
  });

  it('gives an empty string when nothing usable is left, and baseSlug falls back', () => {
    expect(slugify('!!! ---')).toBe('');
    expect(slugify('纸箱')).toBe('');
    expect(baseSlug('纸箱', 'urun')).toBe('urun');
    expect(baseSlug('Koli', 'urun')).toBe('koli');
  });

  it('keeps generated slugs short enough for a collision suffix, without a trailing dash', () => {
    const long = slugify(`${'kutu '.repeat(100)}son`);
    expect(long.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH - 10);
    expect(long.endsWith('-')).toBe(false);
    expect(isSlug(`${long}-12`)).toBe(true);
  });

  it('produces only valid slugs', () => {
    for (const name of ['Kraft Kutu Ölçülü', "x'; DROP TABLE products; --", 'A/B_C.D', 'Ürün 100%']) {
      const slug = slugify(name);
      expect(isSlug(slug), slug).toBe(true);
    }
  });
});

describe('isSlug', () => {
  it('accepts lower-case words with single dashes only', () => {
    expect(isSlug('kraft-kutu-2')).toBe(true);
    for (const bad of ['Kraft', 'kraft--kutu', '-kutu', 'kutu-', 'kutu kutu', 'kütü', "x';drop", 'a~b', '']) {
      expect(isSlug(bad), bad).toBe(false);
    }
    expect(isSlug('a'.repeat(MAX_SLUG_LENGTH + 1))).toBe(false);
  });
});
