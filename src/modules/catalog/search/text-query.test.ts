import { describe, expect, it } from 'vitest';
import { editDistance, foldForSearch, likeContaining, parseSearchText, typoAllowance } from './text-query.js';
import { Vocabulary } from './vocabulary.js';

describe('search words', () => {
  it('keeps letters, digits and SKU joiners, and nothing tsquery would read as an operator', () => {
    expect(parseSearchText("Kraft & !kutu | (ÇANTA) 'x':* <-> KRF-1040-B")).toEqual([
      { text: 'Kraft', folded: 'kraft', codeLike: false },
      { text: 'kutu', folded: 'kutu', codeLike: false },
      { text: 'ÇANTA', folded: 'canta', codeLike: false },
      { text: 'x', folded: 'x', codeLike: false },
      { text: 'KRF-1040-B', folded: 'krf-1040-b', codeLike: true },
    ]);
    for (const word of parseSearchText('a&b|c!d(e)f:g*h<i>j\'k"l\\m%n')) {
      expect(word.text).toMatch(/^[\p{L}\p{M}\p{N}]+$/u);
    }
  });

  it('drops Turkish suffixes after an apostrophe, repeats, stray joiners and empty input', () => {
    expect(parseSearchText("İstanbul'da Koç’un")).toMatchObject([{ text: 'İstanbul' }, { text: 'Koç' }]);
    expect(parseSearchText('kutu KUTU Kutu -kutu-')).toMatchObject([{ text: 'kutu' }]);
    expect(parseSearchText('-- ./ _')).toEqual([]);
    expect(parseSearchText('')).toEqual([]);
    expect(parseSearchText(undefined)).toEqual([]);
  });

  it('uses at most eight words of at most 64 characters', () => {
    expect(parseSearchText('a b c d e f g h i j')).toHaveLength(8);
    expect(parseSearchText('x'.repeat(100))[0]!.text).toHaveLength(64);
  });

  it('folds Turkish letters the way lower(unaccent()) does', () => {
    expect(foldForSearch('İSTANBUL')).toBe('istanbul');
    expect(foldForSearch('ISPARTA')).toBe('isparta');
    expect(foldForSearch('ışık ÇAĞ Öğün Şüphe')).toBe('isik cag ogun suphe');
    expect(foldForSearch('Crème Brûlée')).toBe('creme brulee');
  });

  it('escapes LIKE wildcards', () => {
    expect(likeContaining('a_b%c\\d')).toBe('%a\\_b\\%c\\\\d%');
  });

  it('allows no typo up to three letters, one up to seven, two beyond', () => {
    expect([
      typoAllowance('kol'),
      typoAllowance('kuti'),
      typoAllowance('kutular'),
      typoAllowance('tukenmez'),
    ]).toEqual([0, 1, 1, 2]);
  });

  it('counts a swap of neighbours as one edit and stops past the limit', () => {
    expect(editDistance('cnata', 'canta', 2)).toBe(1);
    expect(editDistance('kuti', 'kutu', 2)).toBe(1);
    expect(editDistance('istnbul', 'istanbul', 2)).toBe(1);
    expect(editDistance('kutu', 'kutu', 1)).toBe(0);
    expect(editDistance('abcdef', 'ghijkl', 2)).toBe(3);
    expect(editDistance('a', 'abcd', 1)).toBe(2);
  });
});

describe('typo corrections', () => {
  const vocabulary = new Vocabulary([
    { word: 'canta', products: 10 },
    { word: 'kutu', products: 40 },
    { word: 'kut', products: 40 },
    { word: 'kupa', products: 2 },
    { word: 'karton', products: 7 },
  ]);
  const word = (text: string) => parseSearchText(text)[0]!;

  it('suggests the closest known words, most used first', () => {
    expect(vocabulary.corrections(word('cnata'))).toEqual(['canta']);
    expect(vocabulary.corrections(word('kuti'))).toEqual(['kut', 'kutu']);
    expect(vocabulary.corrections(word('kupq'))).toEqual(['kupa']);
    expect(vocabulary.corrections(word('KARTNO'))).toEqual(['karton']);
  });

  it('does not correct known words, short words or codes', () => {
    expect(vocabulary.corrections(word('kutu'))).toEqual([]);
    expect(vocabulary.corrections(word('kup'))).toEqual([]);
    expect(vocabulary.corrections(word('kut1'))).toEqual([]);
    expect(['kutu', 'kup', 'kut1', 'kuti'].map((w) => vocabulary.mayCorrect(word(w)))).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });
});
