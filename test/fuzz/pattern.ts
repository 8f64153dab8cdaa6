import type { Random } from './random.js';

/*
 * Strings matching a JSON Schema `pattern`, for the regular expressions an API schema uses: literals,
 * classes (negated too), escapes, groups, alternation and quantifiers. Lookaheads are not generated but
 * checked: every candidate is tested against the real expression and drawn again when it fails.
 */

type Node =
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'char'; ranges: [number, number][]; negated: boolean }
  | { kind: 'repeat'; node: Node; min: number; max: number }
  | { kind: 'empty' };

const DIGITS: [number, number][] = [[0x30, 0x39]];
const SPACES: [number, number][] = [
  [0x20, 0x20],
  [0x09, 0x0d],
  [0xa0, 0xa0],
];
const WORD: [number, number][] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
  [0x5f, 0x5f],
];

// What negated classes and `.` draw from: ASCII, Turkish letters and a few wider characters.
const POOL = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:;/+@',
  ...'çğıöşüÇĞİÖŞÜ',
  'é',
  '€',
  '😀',
].map((c) => c.codePointAt(0) as number);

class Parser {
  private at = 0;
  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.at < this.source.length) throw new Error(`unsupported pattern ${this.source}`);
    return node;
  }

  private peek(): string | undefined {
    return this.source[this.at];
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.peek() === '|') {
      this.at++;
      options.push(this.sequence());
    }
    return options.length === 1 ? (options[0] as Node) : { kind: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return { kind: 'seq', items };
  }

  private atom(): Node {
    const c = this.source[this.at++] as string;
    if (c === '^' || c === '$') return { kind: 'empty' };
    if (c === '(') {
      let lookahead = false;
      if (this.source.startsWith('?:', this.at)) this.at += 2;
      else if (this.source.startsWith('?=', this.at) || this.source.startsWith('?!', this.at)) {
        this.at += 2;
        lookahead = true;
      }
      const inner = this.alternation();
      if (this.source[this.at++] !== ')') throw new Error(`unbalanced pattern ${this.source}`);
      return lookahead ? { kind: 'empty' } : inner;
    }
    if (c === '[') return this.charClass();
    if (c === '.') return { kind: 'char', ranges: [[0x0a, 0x0a]], negated: true };
    if (c === '\\') return this.escape(false);
    const code = c.codePointAt(0) as number;
    return { kind: 'char', ranges: [[code, code]], negated: false };
  }

  private escape(inClass: boolean): Node & { kind: 'char' } {
    const c = this.source[this.at++] as string;
    const set = (ranges: [number, number][], negated = false) => ({ kind: 'char' as const, ranges, negated });
    if (c === 'd') return set(DIGITS);
    if (c === 'D') return set(DIGITS, true);
    if (c === 's') return set(SPACES);
    if (c === 'S') return set(SPACES, true);
    if (c === 'w') return set(WORD);
    if (c === 'W') return set(WORD, true);
    if (c === 'u') {
      const code = Number.parseInt(this.source.slice(this.at, this.at + 4), 16);
      this.at += 4;
      return set([[code, code]]);
    }
    const literal = { n: 0x0a, t: 0x09, r: 0x0d } as Record<string, number>;
    const code = literal[c] ?? (c.codePointAt(0) as number);
    if (inClass && c === 'b') return set([[0x08, 0x08]]);
    return set([[code, code]]);
  }

  private charClass(): Node {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.at++;
    }
    const ranges: [number, number][] = [];
    const negatedParts: [number, number][] = [];
    let first = true;
    while (this.peek() !== ']' || first) {
      first = false;
      let lo: number;
      const c = this.source[this.at++] as string;
      if (c === '\\') {
        const escaped = this.escape(true);
        if (escaped.negated) {
          negatedParts.push(...escaped.ranges);
          continue;
        }
        if (
          escaped.ranges.length > 1 ||
          (escaped.ranges[0] as [number, number])[0] !== escaped.ranges[0]?.[1]
        ) {
          ranges.push(...escaped.ranges);
          continue;
        }
        lo = (escaped.ranges[0] as [number, number])[0];
      } else lo = c.codePointAt(0) as number;
      if (this.peek() === '-' && this.source[this.at + 1] !== ']') {
        this.at++;
        const d = this.source[this.at++] as string;
        const hi =
          d === '\\'
            ? ((this.escape(true).ranges[0] as [number, number])[0] as number)
            : (d.codePointAt(0) as number);
        ranges.push([lo, hi]);
      } else ranges.push([lo, lo]);
    }
    this.at++;
    if (negatedParts.length > 0 && !negated) {
      // [\S…]: anything but spaces, or the listed characters. Rare; approximated by the pool.
      return { kind: 'char', ranges: SPACES, negated: true };
    }
    return { kind: 'char', ranges, negated };
  }

  private quantified(atom: Node): Node {
    const c = this.peek();
    let min = 1;
    let max = 1;
    if (c === '?') [min, max] = [0, 1];
    else if (c === '*') [min, max] = [0, Number.POSITIVE_INFINITY];
    else if (c === '+') [min, max] = [1, Number.POSITIVE_INFINITY];
    else if (c === '{') {
      const close = this.source.indexOf('}', this.at);
      const [lo, hi] = this.source.slice(this.at + 1, close).split(',');
      min = Number(lo);
      max = hi === undefined ? min : hi === '' ? Number.POSITIVE_INFINITY : Number(hi);
      this.at = close;
    } else return atom;
    this.at++;
    if (this.peek() === '?') this.at++;
    return { kind: 'repeat', node: atom, min, max };
  }
}

const parsed = new Map<string, Node>();

function inRanges(code: number, ranges: [number, number][]): boolean {
  return ranges.some(([lo, hi]) => code >= lo && code <= hi);
}

function generate(node: Node, rng: Random, out: string[], budget: { left: number }): void {
  switch (node.kind) {
    case 'empty':
      return;
    case 'seq':
      for (const item of node.items) generate(item, rng, out, budget);
      return;
    case 'alt':
      generate(rng.pick(node.options), rng, out, budget);
      return;
    case 'char': {
      if (node.negated) {
        const allowed = POOL.filter((code) => !inRanges(code, node.ranges));
        out.push(String.fromCodePoint(rng.pick(allowed)));
      } else {
        const [lo, hi] = rng.pick(node.ranges);
        out.push(String.fromCodePoint(rng.int(lo, hi)));
      }
      budget.left -= 1;
      return;
    }
    case 'repeat': {
      const cap = Number.isFinite(node.max) ? node.max : node.min + 8;
      const count = rng.int(node.min, Math.max(node.min, Math.min(cap, node.min + Math.max(0, budget.left))));
      for (let i = 0; i < count; i++) generate(node.node, rng, out, budget);
    }
  }
}

/** A string matching `pattern` (and the length bounds), or undefined when none was found. */
export function matchingString(
  pattern: string,
  rng: Random,
  bounds: { minLength?: number; maxLength?: number } = {},
): string | undefined {
  let node = parsed.get(pattern);
  if (!node) {
    node = new Parser(pattern).parse();
    parsed.set(pattern, node);
  }
  const test = new RegExp(pattern, 'u');
  const min = bounds.minLength ?? 0;
  const max = bounds.maxLength ?? Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 30; attempt++) {
    const out: string[] = [];
    generate(node, rng, out, { left: Math.min(max, 40) });
    const value = out.join('');
    const length = [...value].length;
    if (length >= min && length <= max && test.test(value)) return value;
  }
  return undefined;
}
