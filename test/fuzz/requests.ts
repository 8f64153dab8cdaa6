import { multipartBody, type Part, samplePdf } from '../../src/modules/files/fixtures.js';
import type { Operation, Parameter, Schema } from './operations.js';
import type { Random } from './random.js';
import { HOSTILE_STRINGS, hugeString, type Mode, type ValueMaker } from './values.js';

/*
 * One request per case: parameters and body drawn from the operation's schemas, then, for hostile cases,
 * one to three of the things clients get wrong or attackers try: bad types, missing and extra fields,
 * hostile text, bad path parameters, percent-encoded garbage, odd content types, malformed JSON, stray
 * credentials and headers.
 */

export type CaseMode = 'valid' | 'boundary' | 'nasty' | 'hostile';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  remoteAddress: string;
  /** What was done to the request, in words, for the report. */
  notes: string[];
}

export interface RequestContext {
  rng: Random;
  maker: ValueMaker;
  mode: CaseMode;
  /** The identity's credentials, as headers. */
  auth: Record<string, string>;
  /** A public file path and a signed-link token the run has seen, for the file-serving routes. */
  known: (kind: 'public' | 'signed') => string | undefined;
  samples: { png: Buffer };
}

/** Path parameter values as they go into the URL: already encoded, some on purpose badly. */
const BAD_PATH_VALUES = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFF',
  '{01944b20-0000-7000-8000-000000000000}',
  '1',
  '-1',
  'null',
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%C0%80',
  '%FF',
  '%',
  '%zz',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..',
  '%2F',
  'x'.repeat(101),
  '%20',
  '%C4%B0%C4%B1',
  '%F0%9F%98%80',
  "'%20OR%201=1--",
  '%E2%80%AE',
];

/** Query values as they go into the URL, already encoded. */
const BAD_QUERY_VALUES = [
  '%00',
  'a%00',
  '%ED%A0%80',
  '%ED%B0%80',
  '%C0%80',
  '%FF',
  '%',
  '%zz',
  '%E0%A4%A',
  '',
];

const ODD_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/json;',
  'application/vnd.api+json',
  'application/merge-patch+json',
  'application/octet-stream',
  '*/*',
  'json',
  '',
];

/** How values are drawn for a case: a hostile case starts from valid values and spoils some. */
function valueMode(mode: CaseMode): Mode {
  return mode === 'hostile' ? 'valid' : mode;
}

/**
 * Encodes a component as a client would; an unpaired surrogate, which encodeURIComponent refuses,
 * goes out as its three-byte (CESU-8) form, as a careless encoder writes it.
 */
export function encodeComponent(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    let out = '';
    for (const char of value) {
      const code = char.codePointAt(0) as number;
      if (code >= 0xd800 && code <= 0xdfff) {
        out +=
          `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase();
      } else out += encodeURIComponent(char);
    }
    return out;
  }
}

function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The resource a path parameter names: the path segment before it (`/users/{id}` → `users`). */
export function resourceOfParameter(path: string, name: string): string {
  const segments = path.split('/');
  const at = segments.indexOf(`{${name}}`);
  return at > 0 ? (segments[at - 1] as string) : name;
}

function pathValue(parameter: Parameter, operation: Operation, context: RequestContext): string {
  const { rng, maker } = context;
  // The public file route's one parameter is a path of its own, slashes and all.
  if (operation.path.includes('/files/public/')) {
    return (
      context.known('public') ?? `${rng.hex(2)}/${rng.hex(16)}.${rng.pick(['webp', 'png', 'csv', 'pdf'])}`
    );
  }
  if (parameter.name === 'token' && operation.path.includes('/signed/')) {
    return context.known('signed') ?? rng.hex(40);
  }
  return encodeComponent(stringOf(maker.make(parameter.schema, valueMode(context.mode), parameter.name)));
}

function queryPairs(parameters: Parameter[], context: RequestContext): [string, string][] {
  const { rng, maker } = context;
  const pairs: [string, string][] = [];
  for (const parameter of parameters) {
    if (!parameter.required && !rng.chance(context.mode === 'boundary' ? 0.8 : 0.4)) continue;
    const value = maker.make(parameter.schema, valueMode(context.mode), parameter.name);
    for (const item of Array.isArray(value) ? value : [value]) {
      pairs.push([encodeComponent(parameter.name), encodeComponent(stringOf(item))]);
    }
  }
  return pairs;
}

type Container = Record<string, unknown> | unknown[];

/** Every object and array inside a value, the value itself included. */
function containersOf(value: unknown, out: Container[] = [], depth = 0): Container[] {
  if (depth > 20 || value === null || typeof value !== 'object') return out;
  out.push(value as Container);
  for (const child of Object.values(value)) containersOf(child, out, depth + 1);
  return out;
}

/** One change to a JSON value somewhere inside it; returns the new value (the root may be replaced). */
function mutateValue(value: unknown, schema: Schema, context: RequestContext, notes: string[]): unknown {
  const { rng, maker } = context;
  const containers = containersOf(value);
  if (containers.length === 0 || rng.chance(0.1)) {
    notes.push('body replaced by a hostile value');
    return maker.hostile(schema);
  }
  const target = rng.pick(containers);
  const keys = Object.keys(target);
  const action = rng.weighted({ replace: keys.length > 0 ? 5 : 0, remove: keys.length > 0 ? 2 : 0, add: 2 });
  if (action === 'replace') {
    const key = rng.pick(keys);
    const hostile = maker.hostile(undefined);
    (target as Record<string, unknown>)[key] = hostile;
    notes.push(`field ${key} := ${JSON.stringify(hostile)?.slice(0, 60)}`);
  } else if (action === 'remove') {
    const key = rng.pick(keys);
    if (Array.isArray(target)) target.splice(Number(key), 1);
    else delete target[key];
    notes.push(`field ${key} removed`);
  } else if (Array.isArray(target)) {
    target.push(maker.hostile(undefined));
    notes.push('array item added');
  } else {
    const key = rng.pick([
      'extra',
      '__proto__',
      'constructor',
      '',
      'a\u0000b',
      '\ud800',
      'İd',
      'id',
      '$where',
      'a.b',
    ]);
    target[key] = maker.hostile(undefined);
    notes.push(`field ${JSON.stringify(key)} added`);
  }
  return value;
}

/** Body text that is not the JSON it claims to be, or JSON meant to hurt the parser. */
function hostileJsonText(valid: string, rng: Random, notes: string[]): string {
  const kind = rng.pick([
    'truncated',
    'trailing',
    'single-quotes',
    'bom',
    'proto',
    'constructor',
    'deep',
    'many-keys',
    'big-number',
    'duplicate-keys',
    'scalar',
    'empty',
    'utf16',
  ] as const);
  notes.push(`JSON text: ${kind}`);
  switch (kind) {
    case 'truncated':
      return valid.slice(0, Math.max(1, Math.floor(valid.length / 2)));
    case 'trailing':
      return `${valid},`;
    case 'single-quotes':
      return valid.replace(/"/g, "'");
    case 'bom':
      return `\ufeff${valid}`;
    case 'proto':
      return valid.replace(/^\{/, '{"__proto__":{"isAdmin":true},');
    case 'constructor':
      return valid.replace(/^\{/, '{"constructor":{"prototype":{"isAdmin":true}},');
    case 'deep': {
      const depth = rng.pick([100, 5_000, 50_000]);
      return `${'['.repeat(depth)}${']'.repeat(depth)}`;
    }
    case 'many-keys': {
      const keys = Array.from({ length: rng.pick([1_000, 30_000]) }, (_, i) => `"k${i}":${i}`);
      return valid.replace(/^\{/, `{${keys.join(',')},`);
    }
    case 'big-number':
      return valid.replace(/:(-?\d+(\.\d+)?)/, ':1e999').replace(/^\[\]$/, '[1e999]');
    case 'duplicate-keys':
      return valid.replace(/^\{("[^"]+"):([^,}]+)/, '{$1:$2,$1:"\\u0000"');
    case 'scalar':
      return rng.pick(['null', '0', '"x"', 'true', '[]', '[{}]']);
    case 'empty':
      return '';
    case 'utf16':
      return Buffer.from(valid, 'utf16le').toString('latin1');
  }
}

function multipartRequest(
  context: RequestContext,
  notes: string[],
): { payload: Buffer; headers: Record<string, string> } {
  const { rng } = context;
  const purpose = rng.pick(['image', 'document', 'import']);
  const files: Record<string, { data: Buffer; filename: string; contentType: string }> = {
    image: { data: context.samples.png, filename: 'kutu.png', contentType: 'image/png' },
    document: { data: samplePdf(), filename: 'fatura.pdf', contentType: 'application/pdf' },
    import: {
      data: Buffer.from('sku;ad;fiyat\nKLM-001;Çelik kalem;12,50\n', 'utf8'),
      filename: 'ürünler.csv',
      contentType: 'text/csv',
    },
  };
  const file = {
    name: 'file',
    ...(files[purpose] as { data: Buffer; filename: string; contentType: string }),
  };
  const parts: Part[] = [{ name: 'purpose', value: purpose }];
  if (rng.chance(0.5)) parts.push({ name: 'visibility', value: rng.pick(['public', 'private']) });
  parts.push(file);
  if (context.mode === 'hostile') {
    const kind = rng.pick([
      'wrong-purpose',
      'no-file',
      'file-first',
      'extra-field',
      'hostile-value',
      'hostile-filename',
      'hostile-field-name',
      'wrong-bytes',
      'empty-file',
      'two-files',
    ] as const);
    notes.push(`multipart: ${kind}`);
    if (kind === 'wrong-purpose') (parts[0] as { value: string }).value = rng.pick(HOSTILE_STRINGS);
    if (kind === 'no-file') parts.pop();
    if (kind === 'file-first') parts.unshift(parts.pop() as Part);
    if (kind === 'extra-field')
      parts.splice(1, 0, { name: rng.pick(['name', 'id', 'tenantId']), value: 'x' });
    if (kind === 'hostile-value')
      (parts[0] as { value: string }).value = `${purpose}${rng.pick(HOSTILE_STRINGS)}`;
    if (kind === 'hostile-filename')
      file.filename = rng.pick([
        '../../../etc/passwd',
        'a\u0000.png',
        '\u202egnp.exe',
        '',
        'ş'.repeat(400),
        'con',
        '.',
      ]);
    if (kind === 'hostile-field-name')
      parts.splice(1, 0, { name: rng.pick(['a\u0000b', '', '__proto__', 'İ']), value: 'x' });
    if (kind === 'wrong-bytes') file.data = Buffer.from('MZ\u0090\u0000 not what it claims', 'latin1');
    if (kind === 'empty-file') file.data = Buffer.alloc(0);
    if (kind === 'two-files') parts.push({ ...file });
  }
  return multipartBody(parts);
}

/** Headers a hostile client adds or gets wrong. */
function hostileHeaders(rng: Random, headers: Record<string, string>, notes: string[]): void {
  const kind = rng.pick([
    'x-tenant-unknown',
    'x-tenant-hostile',
    'x-tenant-other',
    'bearer-garbage',
    'basic',
    'api-key-garbage',
    'cookie-garbage',
    'request-id',
    'accept',
    'if-none-match',
    'csrf',
    'forwarded',
  ] as const);
  notes.push(`header: ${kind}`);
  switch (kind) {
    case 'x-tenant-unknown':
      headers['x-tenant'] = `yok-${rng.hex(6)}`;
      break;
    case 'x-tenant-hostile':
      headers['x-tenant'] = rng.pick(HOSTILE_STRINGS.filter((s) => !/[\r\n]/.test(s)));
      break;
    case 'x-tenant-other':
      headers['x-tenant'] = rng.pick(['demo', 'fuzz-rakip', 'fuzz-rakip', 'DEMO', 'demo ']);
      break;
    case 'bearer-garbage':
      headers['authorization'] = rng.pick([
        'Bearer',
        'Bearer ',
        `Bearer ${rng.hex(40)}`,
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.',
        `Bearer ${'a'.repeat(9000)}`,
        'bearer x.y.z',
      ]);
      break;
    case 'basic':
      headers['authorization'] = `Basic ${Buffer.from('admin@carsi.test:x').toString('base64')}`;
      break;
    case 'api-key-garbage':
      headers['x-api-key'] = rng.pick([
        'ck_',
        `ck_${rng.hex(8)}_${rng.hex(30)}`,
        'ck_00000000-0000-7000-8000-000000000000_x',
        rng.hex(64),
      ]);
      break;
    case 'cookie-garbage':
      headers['cookie'] = rng.pick([
        `carsi_access=${rng.hex(30)}`,
        'carsi_access=; carsi_csrf=x',
        `carsi_refresh=${rng.hex(20)}`,
        '=;;=',
      ]);
      break;
    case 'request-id':
      headers['x-request-id'] = rng.pick(['', 'a'.repeat(500), 'İ', '../x', 'x y']);
      break;
    case 'accept':
      headers['accept'] = rng.pick(['application/xml', 'text/html', '*/*;q=0', 'application/problem+json']);
      break;
    case 'if-none-match':
      headers['if-none-match'] = rng.pick(['*', '"x"', 'W/"x"', '""']);
      break;
    case 'csrf':
      headers['x-csrf-token'] = rng.hex(20);
      break;
    case 'forwarded':
      headers['x-forwarded-for'] = rng.pick(['1.2.3.4', 'unknown', '::1, 10.0.0.1', '\u0130']);
  }
}

export function buildRequest(operation: Operation, context: RequestContext): FuzzRequest {
  const { rng, maker, mode } = context;
  const notes: string[] = [];
  const headers: Record<string, string> = { ...context.auth };
  // Which parts a hostile case spoils: one to three of them.
  const spoiled = new Set<string>();
  if (mode === 'hostile') {
    const parts = [
      'path',
      'query',
      'headers',
      'content-type',
      'body-text',
      'body-field',
      'body-field',
      'body-field',
    ];
    for (let i = rng.int(1, 3); i > 0; i--) spoiled.add(rng.pick(parts));
  }

  let path = operation.path;
  for (const parameter of operation.parameters.filter((p) => p.in === 'path')) {
    let value = pathValue(parameter, operation, context);
    if (spoiled.has('path') && rng.chance(0.8)) {
      value = rng.chance(0.7) ? rng.pick(BAD_PATH_VALUES) : encodeComponent(rng.pick(HOSTILE_STRINGS));
      notes.push(`path ${parameter.name} = ${value.slice(0, 40)}`);
    }
    path = path.replace(`{${parameter.name}}`, value === '' ? '%20' : value);
  }

  const query = queryPairs(
    operation.parameters.filter((p) => p.in === 'query'),
    context,
  );
  if (spoiled.has('query')) {
    const kind = rng.pick(['unknown', 'hostile', 'encoded', 'duplicate', 'huge', 'drop'] as const);
    const known = operation.parameters.filter((p) => p.in === 'query').map((p) => p.name);
    const name =
      known.length > 0 && rng.chance(0.8)
        ? rng.pick(known)
        : rng.pick(['x', 'limit', 'q', '%00', '__proto__']);
    notes.push(`query: ${kind} ${name}`);
    if (kind === 'unknown')
      query.push([rng.pick(['extra', 'tenantId', '%00', 'a%ED%A0%80', '__proto__']), '1']);
    if (kind === 'hostile')
      query.push([encodeComponent(name), encodeComponent(stringOf(maker.hostile(undefined)))]);
    if (kind === 'encoded') query.push([encodeComponent(name), rng.pick(BAD_QUERY_VALUES)]);
    if (kind === 'duplicate') query.push([encodeComponent(name), '1'], [encodeComponent(name), '2']);
    if (kind === 'huge') query.push([encodeComponent(name), 'a'.repeat(rng.pick([300, 5_000, 70_000]))]);
    if (kind === 'drop') query.splice(0, query.length);
  }
  const search = query.map(([name, value]) => `${name}=${value}`).join('&');

  for (const parameter of operation.parameters.filter((p) => p.in === 'header')) {
    // The tenant header names the default tenant when it is sent at all; a hostile case spoils it below.
    if (parameter.name === 'x-tenant' && rng.chance(0.2) && !('authorization' in headers))
      headers['x-tenant'] = 'demo';
  }
  if (spoiled.has('headers')) hostileHeaders(rng, headers, notes);
  if (rng.chance(0.2))
    headers['accept-encoding'] = rng.pick(['gzip', 'br', 'deflate', 'gzip, deflate, br', 'identity']);

  let payload: string | Buffer | undefined;
  const body = operation.body;
  if (body?.mediaType === 'multipart/form-data') {
    const form = multipartRequest(context, notes);
    payload = form.payload;
    Object.assign(headers, form.headers);
  } else if (body) {
    let value = maker.make(body.schema, valueMode(mode));
    if (spoiled.has('body-field')) value = mutateValue(value, body.schema, context, notes);
    if (!body.required && rng.chance(0.1)) {
      notes.push('no body');
    } else {
      payload = JSON.stringify(value) ?? 'null';
      headers['content-type'] = 'application/json';
    }
    if (spoiled.has('body-text')) {
      payload = hostileJsonText(typeof payload === 'string' ? payload : '{}', rng, notes);
      headers['content-type'] = 'application/json';
    }
  } else if (spoiled.has('body-text') || spoiled.has('body-field')) {
    // A body where none is taken.
    payload = rng.pick(['{"x":1}', '{"x":"\\u0000"}', 'not json', '[]']);
    headers['content-type'] = rng.pick(['application/json', 'text/plain']);
    notes.push('a body the operation does not take');
  }
  if (spoiled.has('content-type')) {
    const type = rng.pick(ODD_CONTENT_TYPES);
    if (type === '') delete headers['content-type'];
    else headers['content-type'] = type;
    payload ??= rng.pick(['x=1', '<a/>', '{}', hugeString(rng).slice(0, 2_000)]);
    notes.push(`content-type ${JSON.stringify(type)}`);
  }

  return {
    method: operation.method,
    url: `${path}${search ? `?${search}` : ''}`,
    headers,
    ...(payload !== undefined ? { payload } : {}),
    remoteAddress: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    notes,
  };
}
