import { sql } from 'drizzle-orm';
import type { Tx } from '../../../db/tx.js';
import { editDistance, type SearchWord, typoAllowance } from './text-query.js';

/** How many spellings one mistyped word may turn into. */
const MAX_CORRECTIONS = 5;
/**
 * Correction compares a word with every known word of a similar length, on the event loop: the
 * vocabulary keeps the most used words up to this many, and at most MAX_CORRECTED_WORDS words of a
 * query are corrected (about 15 ms in the worst case on the measuring machine).
 */
const MAX_VOCABULARY = 20_000;
export const MAX_CORRECTED_WORDS = 4;

/**
 * The words of a tenant's product names and brands (folded, no numbers or codes), which is what a
 * mistyped search word is corrected towards. Correcting against a vocabulary (a few thousand words)
 * in memory is both more forgiving than trigram similarity (a swap such as "cnata" keeps only two of
 * six trigrams of "canta") and far cheaper than comparing the query with every product's text, which
 * row-level security would force to be a full scan.
 */
export class Vocabulary {
  /** Words by length, each with the number of products that use it. */
  private readonly byLength = new Map<number, { word: string; products: number }[]>();
  private readonly words = new Set<string>();

  constructor(entries: readonly { word: string; products: number }[]) {
    for (const entry of entries) {
      this.words.add(entry.word);
      const sameLength = this.byLength.get(entry.word.length) ?? [];
      sameLength.push(entry);
      this.byLength.set(entry.word.length, sameLength);
    }
  }

  get size(): number {
    return this.words.size;
  }

  /** Whether `word` is one to correct: long enough, not a code, and not a known word already. */
  mayCorrect(word: SearchWord): boolean {
    return typoAllowance(word.folded) > 0 && !word.codeLike && !this.words.has(word.folded);
  }

  /**
   * Known words closest to `word` within its typo allowance, most used first; none for words the
   * vocabulary holds, for short words, and for codes (an SKU typo is another SKU, not a near miss).
   */
  corrections(word: SearchWord): string[] {
    if (!this.mayCorrect(word)) return [];
    const limit = typoAllowance(word.folded);
    const found: { word: string; products: number; distance: number }[] = [];
    for (let length = word.folded.length - limit; length <= word.folded.length + limit; length++) {
      for (const entry of this.byLength.get(length) ?? []) {
        const distance = editDistance(word.folded, entry.word, limit);
        if (distance <= limit) found.push({ ...entry, distance });
      }
    }
    return found
      .sort((a, b) => a.distance - b.distance || b.products - a.products || (a.word < b.word ? -1 : 1))
      .slice(0, MAX_CORRECTIONS)
      .map((entry) => entry.word);
  }
}

/**
 * Reads the vocabulary: the name lexemes of the search documents (weight A, both the stemmed and the
 * whole-word forms) and the brand names, without numbers and punctuation.
 */
export async function loadVocabulary(tx: Tx): Promise<Vocabulary> {
  const result = await tx.db.execute<{ word: string; products: number }>(sql`
    SELECT word, sum(products)::int AS products FROM (
      SELECT word, ndoc AS products
        FROM ts_stat('SELECT search_vector FROM products WHERE deleted_at IS NULL', 'A')
      UNION ALL
      SELECT lexeme, 1
        FROM brands, unnest(tsvector_to_array(to_tsvector('carsi_simple', brands.name))) AS lexeme
    ) words
    WHERE length(word) BETWEEN 3 AND 64 AND word !~ '[[:digit:][:punct:][:space:]]'
    GROUP BY word
    ORDER BY sum(products) DESC, word
    LIMIT ${MAX_VOCABULARY}`);
  return new Vocabulary(result.rows);
}
