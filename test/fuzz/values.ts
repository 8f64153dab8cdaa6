import type { Schema } from './operations.js';
import { matchingString } from './pattern.js';
import type { Random } from './random.js';

/*
 * Values drawn from JSON Schemas: valid ones (inside every bound), boundary ones (at the bounds), and the
 * hostile strings, numbers and wrong types a client can send instead.
 */

/** What the run knows that random values would not hit: real ids, and the identities' credentials. */
export interface Hints {
  /** A known id for a field or parameter of this name on this resource, if any. */
  id(name: string, resource: string): string | undefined;
  email(): string | undefined;
  password(): string | undefined;
  /** Values a field of this name takes in this API (permission keys, role keys, currencies…), if known. */
  words(name: string): readonly string[] | undefined;
}

/** A valid EAN-13: twelve digits and their check digit. */
export function ean13(rng: Random): string {
  let digits = '';
  for (let i = 0; i < 12; i++) digits += String(rng.int(0, 9));
  const sum = [...digits].reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 1 : 3), 0);
  return `${digits}${(10 - (sum % 10)) % 10}`;
}

/** Valid: inside every bound. Boundary: at the bounds. Nasty: valid, with hostile text wherever text fits. */
export type Mode = 'valid' | 'boundary' | 'nasty';

const NASTY_EMAILS = [
  'İ@ornek.com.tr',
  "o'brien@ornek.com.tr",
  'a+b@ornek.com.tr',
  'ığdır@örnek.com.tr',
  '"x y"@ornek.com.tr',
  'ADMIN@CARSI.TEST',
  'a@b.co\u0000',
];

/** Text hostile to storage, comparison, rendering and parsing; sent wherever a string goes. */
export const HOSTILE_STRINGS: readonly string[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ud83d',
  '\u202egnp.exe',
  '\u200f\u200e\u061c',
  '\u200b\u2060\ufeff',
  '😀',
  '👩‍👩‍👧‍👦🇹🇷',
  'İ',
  'ı',
  'İSTANBUL ıiIİ',
  'ǅ ß ﬁ e\u0301',
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '\\',
  "\\'",
  '1; SELECT pg_sleep(1)',
  '$1',
  '%',
  '%s%n',
  '_%',
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  'file:///etc/passwd',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template injection, sent as it is
  '${7*7}{{7*7}}',
  '$(id)`id`',
  '',
  ' ',
  '\t\r\n',
  'null',
  'undefined',
  'NaN',
  'true',
  '0',
  '-1',
  '1e309',
  '0x1f',
  '١٢٣',
  '１２３',
  '__proto__',
  'constructor',
  '\u0007\u001b[31m',
  '\r\nX-Injected: 1',
];

export const HOSTILE_NUMBERS: readonly number[] = [
  -1,
  0,
  -0,
  0.5,
  1.5,
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

const WORDS = [
  'kutu',
  'Kraft Kutu',
  'Oluklu Mukavva',
  'Çanta',
  'ığdır',
  'İstanbul',
  'şişe',
  'Gül',
  'Box',
  'Ağaç',
  'Koli 30x20',
  'Müşteri',
];

/** A long string, over most maxLengths and, at the largest, over the body limit. */
export function hugeString(rng: Random): string {
  return rng.pick(['a', 'ş', '😀', '\u0000', ' ']).repeat(rng.pick([257, 1_001, 10_001, 70_000, 600_000]));
}

function typeOf(schema: Schema, rng: Random): string | undefined {
  const type = schema['type'];
  if (Array.isArray(type)) return rng.pick(type as string[]);
  if (typeof type === 'string') return type;
  if (schema['properties']) return 'object';
  if (schema['items']) return 'array';
  return undefined;
}

function uuid(rng: Random): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20)}`;
}

export class ValueMaker {
  constructor(
    private readonly rng: Random,
    private readonly resolve: (schema: Schema | undefined) => Schema,
    private readonly hints: Hints,
    /** The resource of the operation (`users`, `products`…), for ids. */
    private readonly resource: string,
  ) {}

  /** A value of `schema`; `name` is the field's or parameter's name (a hint at what it holds). */
  make(raw: Schema | undefined, mode: Mode, name = '', depth = 0): unknown {
    const { rng } = this;
    const schema = this.resolve(raw);
    if ('const' in schema) return schema['const'];
    if (Array.isArray(schema['enum'])) return rng.pick(schema['enum'] as unknown[]);
    const branches = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
    if (branches && branches.length > 0) return this.make(rng.pick(branches), mode, name, depth);
    if (Array.isArray(schema['allOf'])) return this.make((schema['allOf'] as Schema[])[0], mode, name, depth);
    if ('default' in schema && rng.chance(0.1)) return schema['default'];
    switch (typeOf(schema, rng)) {
      case 'null':
        return null;
      case 'boolean':
        return rng.chance(0.5);
      case 'integer':
      case 'number':
        return this.number(schema, mode);
      case 'string':
        return this.string(schema, mode, name);
      case 'array':
        return this.array(schema, mode, name, depth);
      case 'object':
        return this.object(schema, mode, depth);
      default:
        return rng.pick(['x', 1, true, null]);
    }
  }

  private number(schema: Schema, mode: Mode): number {
    const { rng } = this;
    const integer =
      schema['type'] === 'integer' || (Array.isArray(schema['type']) && schema['type'].includes('integer'));
    const exclusiveMin = schema['exclusiveMinimum'] as number | undefined;
    const exclusiveMax = schema['exclusiveMaximum'] as number | undefined;
    const min =
      (schema['minimum'] as number | undefined) ?? (exclusiveMin !== undefined ? exclusiveMin + 1 : -1000);
    const max =
      (schema['maximum'] as number | undefined) ??
      (exclusiveMax !== undefined ? exclusiveMax - 1 : min + 10_000);
    if (mode === 'boundary') return rng.pick([min, max]);
    const low = Math.max(min, -1_000_000);
    const high = Math.min(max, low + rng.pick([10, 1_000, 1_000_000]));
    const value = low + rng.next() * (high - low);
    return integer ? Math.round(value) : Math.round(value * 100) / 100;
  }

  private string(schema: Schema, mode: Mode, name: string): string {
    const { rng } = this;
    const minLength = (schema['minLength'] as number | undefined) ?? 0;
    const maxLength = (schema['maxLength'] as number | undefined) ?? 200;
    const format = schema['format'] as string | undefined;
    if (format === 'uuid' || name === 'id') {
      const known = this.hints.id(name, this.resource);
      if (known) return known;
      if (format === 'uuid') return uuid(rng);
    }
    const words = mode === 'valid' || rng.chance(0.5) ? this.hints.words(name) : undefined;
    if (words && words.length > 0 && rng.chance(0.9)) return rng.pick(words);
    if (name === 'barcode' && rng.chance(0.9)) return ean13(rng);
    if (format === 'date-time') {
      return new Date(
        Date.UTC(rng.int(2000, 2040), rng.int(0, 11), rng.int(1, 28), rng.int(0, 23)),
      ).toISOString();
    }
    if (format === 'date') return `${rng.int(2000, 2040)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`;
    if (/email/i.test(name) || format === 'email') {
      if (mode === 'nasty' && rng.chance(0.7)) return rng.pick(NASTY_EMAILS).replace('\\u0000', '\u0000');
      const known = rng.chance(0.3) ? this.hints.email() : undefined;
      if (known) return known;
      return `fuzz.${rng.hex(6)}@ornek.com.tr`;
    }
    if (/password/i.test(name)) {
      const known = rng.chance(0.3) ? this.hints.password() : undefined;
      if (known) return known;
      return `Kestane-${rng.hex(6)}-${rng.int(1000, 9999)}!Şk`;
    }
    const pattern = schema['pattern'] as string | undefined;
    if (mode === 'nasty') {
      const nasty = this.nastyText(pattern, minLength, maxLength);
      if (nasty !== undefined) return nasty;
    }
    if (pattern) {
      const bounds = mode === 'boundary' ? { minLength: maxLength, maxLength } : { minLength, maxLength };
      const found =
        matchingString(pattern, rng, bounds) ?? matchingString(pattern, rng, { minLength, maxLength });
      if (found !== undefined) return found;
    }
    const length =
      mode === 'boundary'
        ? rng.pick([minLength, maxLength])
        : rng.int(minLength, Math.max(minLength, Math.min(maxLength, minLength + 30)));
    let text = rng.chance(0.5) ? `${rng.pick(WORDS)} ${rng.hex(4)}` : rng.hex(8);
    while ([...text].length < length) text += ` ${rng.pick(WORDS)}`;
    text = [...text].slice(0, length).join('');
    // A trailing space can make a trimmed value shorter than its minimum; letters keep it honest.
    return text.replace(/\s+$/, (spaces) => 'x'.repeat(spaces.length));
  }

  /** Hostile text within the bounds (and the pattern, when one of them fits it), if any fits. */
  private nastyText(pattern: string | undefined, minLength: number, maxLength: number): string | undefined {
    const { rng } = this;
    const test = pattern ? new RegExp(pattern, 'u') : undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      let text = [...rng.pick(HOSTILE_STRINGS)];
      while (text.length < minLength) text = [...text, ...'x'];
      text = text.slice(0, maxLength);
      const value = text.join('');
      if (!test || test.test(value)) return value;
    }
    return undefined;
  }

  private array(schema: Schema, mode: Mode, name: string, depth: number): unknown[] {
    const { rng } = this;
    const minItems = (schema['minItems'] as number | undefined) ?? 0;
    const maxItems = (schema['maxItems'] as number | undefined) ?? minItems + 4;
    const count =
      depth > 3
        ? minItems
        : mode === 'boundary'
          ? rng.pick([minItems, Math.min(maxItems, minItems + 50)])
          : rng.int(minItems, Math.min(maxItems, minItems + 3));
    const items: unknown[] = [];
    const seen = new Set<string>();
    for (let attempt = 0; items.length < count && attempt < count * 4; attempt++) {
      const item = this.make(
        schema['items'] as Schema,
        mode === 'boundary' ? 'valid' : mode,
        name,
        depth + 1,
      );
      const key = JSON.stringify(item);
      if (schema['uniqueItems'] === true && seen.has(key)) continue;
      seen.add(key);
      items.push(item);
    }
    return items;
  }

  private object(schema: Schema, mode: Mode, depth: number): Record<string, unknown> {
    const { rng } = this;
    const properties = (schema['properties'] as Record<string, Schema> | undefined) ?? {};
    const required = new Set((schema['required'] as string[] | undefined) ?? []);
    const out: Record<string, unknown> = {};
    const optionalChance = mode === 'boundary' ? 0.9 : depth > 2 ? 0.2 : 0.5;
    for (const [key, property] of Object.entries(properties)) {
      if (required.has(key) || rng.chance(optionalChance))
        out[key] = this.make(property, mode, key, depth + 1);
    }
    // Maps (translations and labels per locale, option values per attribute): keys from the key
    // schema when there is one, else locales, which is what this API keys its maps by.
    const names = schema['propertyNames'] as Schema | undefined;
    const additional = schema['additionalProperties'];
    if (additional !== null && typeof additional === 'object') {
      const minProperties = (schema['minProperties'] as number | undefined) ?? 0;
      const count = rng.int(Math.max(1, minProperties), Math.max(1, minProperties) + 1);
      for (let i = 0; i < count; i++) {
        const key = names
          ? this.make(names, 'valid', 'key', depth + 1)
          : rng.pick(['tr', 'en', 'de', 'tr-TR', 'ar']);
        if (typeof key === 'string') out[key] = this.make(additional as Schema, mode, key, depth + 1);
      }
    }
    const minProperties = (schema['minProperties'] as number | undefined) ?? 0;
    for (const [key, property] of Object.entries(properties)) {
      if (Object.keys(out).length >= minProperties) break;
      if (!(key in out)) out[key] = this.make(property, mode, key, depth + 1);
    }
    return out;
  }

  /** A value a client might send instead of one of `schema`: another type, a hostile string or number. */
  hostile(raw: Schema | undefined): unknown {
    const { rng } = this;
    const type = typeOf(this.resolve(raw), rng);
    switch (rng.weighted({ text: type === 'string' ? 4 : 1.5, number: 1, huge: 0.3, wrongType: 1 })) {
      case 'text':
        return rng.pick(HOSTILE_STRINGS);
      case 'number':
        return rng.pick(HOSTILE_NUMBERS);
      case 'huge':
        return hugeString(rng);
      default:
        return rng.pick<unknown>([null, true, [], {}, [1, 'a'], { a: 1 }, 'x', 123, -5.5]);
    }
  }
}
