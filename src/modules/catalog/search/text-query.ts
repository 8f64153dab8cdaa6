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
 * from "canta"), giving up as soon as it must exceed `limit` (returns limit + 1). Three reused rows:
 * it runs against every vocabulary word of a similar length, so it allocates nothing per call.
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const width = b.length + 1;
  if (rows.length < width * 3) rows = new Int32Array(width * 3 * 2);
  let before = 0; // row i - 2
  let previous = width; // row i - 1
  let current = 2 * width; // row i
  for (let j = 0; j < width; j++) rows[previous + j] = j;
  for (let i = 1; i <= a.length; i++) {
    rows[current] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j < width; j++) {
      const bj = b.charCodeAt(j - 1);
      let value = Math.min(
        rows[previous + j]! + 1,
        rows[current + j - 1]! + 1,
        rows[previous + j - 1]! + (ai === bj ? 0 : 1),
      );
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) {
        value = Math.min(value, rows[before + j - 2]! + 1);
      }
      rows[current + j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    [before, previous, current] = [previous, current, before];
  }
  const distance = rows[previous + b.length]!;
  return distance > limit ? limit + 1 : distance;
}

let rows = new Int32Array(3 * 66);
