import zlib from 'node:zlib';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { type OpenApiDocument, type Operation, operationsOf, type Schema } from './operations.js';

/*
 * Whether an answer is one the document promises: its status is listed for the operation, and its body
 * matches the schema documented for that status and media type (JSON Schema 2020-12, as OpenAPI 3.1
 * has it). Problem documents are held to the Problem schema whatever their status.
 */

export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  rawPayload: Buffer;
}

export interface Finding {
  kind: 'server error' | 'undocumented status' | 'schema mismatch' | 'undocumented content type';
  /** What distinguishes this finding from others of its kind on the same operation and status. */
  detail: string;
}

// The CommonJS module is the plugin itself; its types describe it as the `default` export.
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;

const DOCUMENT_ID = 'https://carsi.test/openapi.json';

function mediaTypeOf(contentType: unknown): string {
  return String(contentType ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase() as string;
}

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** The bytes as sent before compression. */
export function decodedBody(answer: Answer): Buffer {
  const encoding = String(answer.headers['content-encoding'] ?? '');
  if (answer.rawPayload.length === 0) return answer.rawPayload;
  if (encoding === 'gzip') return zlib.gunzipSync(answer.rawPayload);
  if (encoding === 'br') return zlib.brotliDecompressSync(answer.rawPayload);
  if (encoding === 'deflate') return zlib.inflateSync(answer.rawPayload);
  return answer.rawPayload;
}

/** The documented responses of a status: an exact entry, else `4XX`-style, else `default`. */
function documented(operation: Operation, status: number): Operation['responses'][string] | undefined {
  return (
    operation.responses[String(status)] ??
    operation.responses[`${String(status)[0]}XX`] ??
    operation.responses['default']
  );
}

export class ResponseChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly problemPointer: string | undefined;

  constructor(private readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    addFormats(this.ajv);
    // OpenAPI's own formats, which say how bytes travel rather than constrain a JSON value.
    for (const format of ['binary', 'byte', 'int32', 'int64', 'float', 'double', 'password']) {
      this.ajv.addFormat(format, true);
    }
    this.ajv.addSchema(document as unknown as Schema, DOCUMENT_ID);
    this.problemPointer = this.findProblemSchema();
  }

  /** The schema the document's problem answers refer to. */
  private findProblemSchema(): string | undefined {
    for (const operation of operationsOf(this.document)) {
      for (const response of Object.values(operation.responses)) {
        const ref = response['application/problem+json']?.schema?.['$ref'];
        if (typeof ref === 'string') return ref;
      }
    }
    return undefined;
  }

  private validator(key: string, pointer: string): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` });
      this.validators.set(key, validate);
    }
    return validate;
  }

  private validate(key: string, pointer: string, value: unknown): string | undefined {
    const validate = this.validator(key, pointer);
    if (validate(value)) return undefined;
    const error = validate.errors?.[0];
    return error ? `${error.instancePath || '(root)'} ${error.message ?? error.keyword}` : 'does not match';
  }

  check(operation: Operation, answer: Answer): Finding[] {
    const findings: Finding[] = [];
    const status = answer.statusCode;
    if (status >= 500) findings.push({ kind: 'server error', detail: '' });
    const body = decodedBody(answer);
    const mediaType = mediaTypeOf(answer.headers['content-type']);
    let parsed: unknown;
    if (isJson(mediaType) && body.length > 0) {
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        findings.push({ kind: 'schema mismatch', detail: `${mediaType} body is not JSON` });
        return findings;
      }
    }
    if (mediaType === 'application/problem+json' && this.problemPointer) {
      const problem = this.validate('problem', this.problemPointer, parsed);
      if (problem) findings.push({ kind: 'schema mismatch', detail: `problem ${problem}` });
    }

    const responses = documented(operation, status);
    if (!responses) {
      findings.push({ kind: 'undocumented status', detail: '' });
      return findings;
    }
    const types = Object.keys(responses);
    if (types.length === 0 || status === 204 || status === 304) {
      if (body.length > 0 && status !== 304) {
        findings.push({
          kind: 'schema mismatch',
          detail: `a ${mediaType || 'untyped'} body where none is documented`,
        });
      }
      return findings;
    }
    if (body.length === 0 && answer.headers['content-length'] === '0') {
      findings.push({ kind: 'schema mismatch', detail: 'an empty body where one is documented' });
      return findings;
    }
    const documentedType = types.find((type) => type === mediaType);
    if (!documentedType) {
      // A binary answer documented as octet-stream may be of any type: the file's own.
      const binary = types.some((type) => responses[type]?.schema?.['format'] === 'binary');
      if (!binary) findings.push({ kind: 'undocumented content type', detail: mediaType || '(none)' });
      return findings;
    }
    const entry = responses[documentedType];
    if (entry && isJson(documentedType) && mediaType !== 'application/problem+json') {
      const mismatch = this.validate(entry.pointer, entry.pointer, parsed);
      if (mismatch) findings.push({ kind: 'schema mismatch', detail: mismatch });
    }
    return findings;
  }
}
