import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type FieldProblem, MAX_LISTED_ERRORS } from '../errors.js';

declare global {
  interface String {
    /** ES2024, in Node 20+: false when the string holds an unpaired UTF-16 surrogate. */
    isWellFormed(): boolean;
    /** ES2024, in Node 20+: unpaired surrogates replaced by U+FFFD. */
    toWellFormed(): string;
  }
}

/*
 * PostgreSQL text cannot hold U+0000, and its JSON types refuse an unpaired UTF-16 surrogate
 * (`"\ud800"`), so either one reaching a query fails it: a 500 for what is the client's mistake. Such
 * input is not text anyone means to store. It is refused here, once, for every part of a request
 * (headers, path parameters, query string, JSON and plain-text bodies, multipart fields), before a route
 * sees it, as 400 `request.invalid_characters` naming where.
 */

const NUL = 'contains a NUL character (U+0000)';
const SURROGATE = 'contains an unpaired UTF-16 surrogate';
const NOT_UTF8 = 'is not valid percent-encoded UTF-8';

/** Why a string is not acceptable text, or undefined when it is. */
export function textFault(value: string): string | undefined {
  if (value.indexOf('\0') !== -1) return NUL;
  if (!value.isWellFormed()) return SURROGATE;
  return undefined;
}

/** The refused fields of one request; the first MAX_LISTED_ERRORS are listed, all are counted. */
class Faults {
  private readonly listed: FieldProblem[] = [];
  private count = 0;

  add(part: string, field: string, message: string): void {
    this.count += 1;
    // A field is named as it can be shown: the refused characters replaced by U+FFFD.
    const name = field.replace(/\0/g, '\ufffd').toWellFormed();
    if (this.listed.length < MAX_LISTED_ERRORS) this.listed.push({ in: part, field: name, message });
  }

  error(): AppError | undefined {
    if (this.count === 0) return undefined;
    const fields = `${this.count} field${this.count === 1 ? '' : 's'}`;
    const cut = this.count > this.listed.length ? ` The first ${this.listed.length} are listed.` : '';
    return new AppError(
      'request.invalid_characters',
      400,
      'The request has characters this API does not accept (NUL, unpaired UTF-16 surrogates, or ' +
        `percent-encoded bytes that are not UTF-8) in ${fields}.${cut}`,
      { errors: this.listed, errorCount: this.count },
    );
  }
}

function join(path: string, key: string): string {
  // Field paths read as validation errors name them: JSON-pointer-like, without the leading slash.
  const escaped = key.replace(/~/g, '~0').replace(/\//g, '~1');
  return path === '' ? escaped : `${path}/${escaped}`;
}

/** Every string and key of a parsed JSON value, at any depth; iterative, so deep nesting cannot overflow. */
function checkValue(root: unknown, faults: Faults): void {
  const stack: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value, path } = next;
    if (typeof value === 'string') {
      const fault = textFault(value);
      if (fault) faults.add('body', path, fault);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], path: join(path, String(i)) });
    } else if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        const keyPath = join(path, key);
        const fault = textFault(key);
        if (fault) faults.add('body', keyPath, `is a field name that ${fault}`);
        stack.push({ value: (value as Record<string, unknown>)[key], path: keyPath });
      }
    }
  }
}

// JSON text decoded from UTF-8 holds neither character raw (a raw NUL is not valid JSON, and decoding
// never yields a lone surrogate): only an escape brings them in, so a body without one is not walked.
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/** The refusal for a JSON body, given its text and what it parsed to. */
export function invalidCharactersInJson(text: string, value: unknown): AppError | undefined {
  if (!SUSPECT_ESCAPE.test(text)) return undefined;
  const faults = new Faults();
  checkValue(value, faults);
  return faults.error();
}

/** What the kernel reads of a multipart part. */
export interface CheckedPart {
  fieldname: string;
  value?: unknown;
  filename?: string;
}

/** The refusal for a multipart part: its field name, its value (a field) or its file name (a file). */
export function invalidCharactersInPart(part: CheckedPart): AppError | undefined {
  const faults = new Faults();
  const nameFault = textFault(part.fieldname);
  if (nameFault) faults.add('body', part.fieldname, `is a field name that ${nameFault}`);
  const valueFault = typeof part.value === 'string' ? textFault(part.value) : undefined;
  if (valueFault) faults.add('body', part.fieldname, valueFault);
  const fileNameFault = typeof part.filename === 'string' ? textFault(part.filename) : undefined;
  if (fileNameFault) faults.add('body', part.fieldname, `has a file name that ${fileNameFault}`);
  return faults.error();
}

/**
 * Multipart bodies are read as streams by the route that takes them, so their parts are checked as
 * they are read: each part is handed on only once its names and value have passed.
 */
export async function* checkedParts<P extends CheckedPart>(parts: AsyncIterable<P>): AsyncGenerator<P> {
  for await (const part of parts) {
    const refusal = invalidCharactersInPart(part);
    if (refusal) throw refusal;
    yield part;
  }
}

function decoded(raw: string): string | undefined {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The query string from the URL itself: the query parser keeps a component it cannot decode as it came
 * (`%ED%A0%80` for an encoded surrogate, `%C0%80` for an overlong NUL), which is not what the client
 * meant either, and is refused with the rest.
 */
function checkQuery(url: string, faults: Faults): void {
  const start = url.indexOf('?');
  if (start === -1) return;
  for (const pair of url.slice(start + 1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const name = decoded(rawName);
    if (name === undefined) {
      faults.add('querystring', rawName, `is a parameter name that ${NOT_UTF8}`);
      continue;
    }
    const nameFault = textFault(name);
    if (nameFault) faults.add('querystring', name, `is a parameter name that ${nameFault}`);
    const value = decoded(equals === -1 ? '' : pair.slice(equals + 1));
    const valueFault = value === undefined ? NOT_UTF8 : textFault(value);
    if (valueFault) faults.add('querystring', name, valueFault);
  }
}

// A URL off the wire is ASCII, so decoded parameters can hold such characters only through `%`; one
// without it (and without a raw NUL or surrogate, which only in-process requests carry) is left alone.
const SUSPECT_URL = /[%\0\uD800-\uDFFF]/;

/**
 * The refusal for a request's headers, path parameters and query string, or undefined. It runs on every
 * request: the usual one (plain headers, no `%` in its URL) costs one scan of its header values and one
 * of its URL.
 */
export function invalidCharactersInRequest(request: FastifyRequest): AppError | undefined {
  let faults: Faults | undefined;
  const { headers } = request;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === 'string') {
      if (textFault(value) === undefined) continue;
    } else if (!Array.isArray(value) || value.every((item) => textFault(item) === undefined)) continue;
    faults ??= new Faults();
    for (const item of typeof value === 'string' ? [value] : value) {
      const fault = textFault(item);
      if (fault) faults.add('headers', name, fault);
    }
  }
  const { url } = request;
  if (SUSPECT_URL.test(url)) {
    faults ??= new Faults();
    const params = request.params as Record<string, unknown> | null | undefined;
    for (const name in params) {
      const value = params[name];
      const fault = typeof value === 'string' ? textFault(value) : undefined;
      if (fault) faults.add('params', name, fault);
    }
    checkQuery(url, faults);
  }
  return faults?.error();
}

type Done = (error: Error | null, body?: unknown) => void;

/**
 * JSON and plain-text bodies are checked as they are parsed: Fastify's own parsers, wrapped. Registered
 * on the root instance before any plugin, so every scope inherits them.
 */
export function registerInvalidCharacterChecks(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? 'error',
    app.initialConfig.onConstructorPoisoning ?? 'error',
  ) as (request: FastifyRequest, body: string, done: Done) => void;
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error, value) => {
      if (error) return done(error, undefined);
      const refusal = invalidCharactersInJson(body as string, value);
      if (refusal) return done(refusal, undefined);
      done(null, value);
    });
  });
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    const fault = textFault(body as string);
    if (!fault) return done(null, body);
    const faults = new Faults();
    faults.add('body', '', fault);
    done(faults.error() as AppError, undefined);
  });
}
