/**
 * Turning what a shopper typed into search words. The words reach PostgreSQL only as bound
 * parameters, and only letters, digits and the joiners SKUs use (`-`, `.`, `/`, `_`) survive, so none
 * of tsquery's operators (`& | ! ( ) : * < >` and quotes) can reach `to_tsquery`.
 */

/** Longer queries are cut here: more words add cost, rarely precision. */
export const MAX_SEARCH_WORDS = 8;
export const MAX_WORD_LENGTH = 64;

export interface SearchWord {
  /** As typed (accents kept; PostgreSQL's unaccent folds them in both search configurations). */
  text: string;
  /** Lower-case and unaccented the way the catalog's `search_text` is, for substring and typo matching. */
  folded: string;
  /** Has a digit or a joiner, like an SKU or a barcode: also matched as a substring of codes. */
  codeLike: boolean;
}

const JOINERS = /^[-./_]+|[-./_]+$/gu;
const WORD = /[\p{L}\p{M}\p{N}]+(?:[-./_]+[\p{L}\p{M}\p{N}]+)*/gu;
// Turkish writes suffixes of proper names after an apostrophe ("İstanbul'da", "Koç'un"): the name alone
// is what the catalog holds.
const APOSTROPHE_SUFFIX = /(\p{L})['’ʼ`´]\p{L}+/gu;

export function parseSearchText(input: string | undefined): SearchWord[] {
  if (!input) return [];
  const text = input.normalize('NFC').replace(APOSTROPHE_SUFFIX, '$1');
  const words: SearchWord[] = [];
  const seen = new Set<string>();
  for (const match of text.matchAll(WORD)) {
    const word = match[0].replace(JOINERS, '').slice(0, MAX_WORD_LENGTH).replace(JOINERS, '');
    if (!word) continue;
    const folded = foldForSearch(word);
    if (!folded || seen.has(folded)) continue;
    seen.add(folded);
    words.push({ text: word, folded, codeLike: /[\p{N}\-./_]/u.test(word) });
    if (words.length === MAX_SEARCH_WORDS) break;
  }
  return words;
}

const TURKISH_FOLDS: Record<string, string> = {
  ç: 'c',
  ğ: 'g',
  ı: 'i',
  ö: 'o',
  ş: 's',
  ü: 'u',
  â: 'a',
  î: 'i',
  û: 'u',
};

/**
 * Lower case with Turkish rules (İ → i, I → ı) and then without accents (ı → i), which is what
 * `lower(unaccent(…))` makes of Turkish text; other letters lose their combining marks.
 */
export function foldForSearch(text: string): string {
  return text
    .toLocaleLowerCase('tr')
    .replace(/[çğıöşüâîû]/g, (letter) => TURKISH_FOLDS[letter] ?? letter)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .normalize('NFC');
}

/** `%`, `_` and `\` match literally in the LIKE pattern built from a word. */
export function likeContaining(folded: string): string {
  return `%${folded.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * How many typos a word may hold and still be corrected: none up to three letters (too many short
 * words are one letter apart), one up to seven, two beyond.
 */
export function typoAllowance(word: string): number {
  if (word.length < 4) return 0;
  return word.length < 8 ? 1 : 2;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions, so "cnata" is one edit
 * from "canta"), giving up as soon as it must exceed `limit` (returns limit + 1).
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous2: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, previous2[j - 2]! + 1);
      }
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    previous2 = previous;
    previous = current;
  }
  const distance = previous[b.length]!;
  return distance > limit ? limit + 1 : distance;
}
