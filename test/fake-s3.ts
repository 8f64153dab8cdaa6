import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeS3Object {
  body: Buffer;
  contentType: string | undefined;
  cacheControl: string | undefined;
}

export interface FakeS3Request {
  method: string;
  bucket: string;
  key: string;
  status: number;
  /** Why a refused request was refused (the S3 error code). */
  error?: string;
  headers: IncomingMessage['headers'];
}

export interface FakeS3 {
  /** `http://127.0.0.1:<port>`: use with path-style addressing. */
  endpoint: string;
  objects: Map<string, FakeS3Object>;
  requests: FakeS3Request[];
  close(): Promise<void>;
}

export interface FakeS3Options {
  bucket: string;
  region: string;
  credentials: Record<string, string>;
  /** Requests signed further than this from the server's clock are refused, as S3 does (15 min). */
  maxSkewMs?: number;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * A small S3 over HTTP for tests: PUT, GET, HEAD and DELETE Object with path-style addressing, every
 * request authenticated by AWS Signature Version 4 (header form) exactly as S3 checks it — the
 * signature is recomputed here from the request as received, the body is checked against
 * `x-amz-content-sha256`, and the clock skew and credential scope are enforced. This verifier is
 * written apart from the client's signer on purpose: sharing the code would let one mistake pass
 * both sides.
 */
export async function startFakeS3(options: FakeS3Options): Promise<FakeS3> {
  const objects = new Map<string, FakeS3Object>();
  const requests: FakeS3Request[] = [];

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const record: FakeS3Request = {
        method: request.method ?? '',
        bucket: '',
        key: '',
        status: 0,
        headers: request.headers,
      };
      requests.push(record);
      const fail = (status: number, code: string) => {
        record.status = status;
        record.error = code;
        response.writeHead(status, { 'content-type': 'application/xml' });
        response.end(
          request.method === 'HEAD' ? undefined : `<?xml version="1.0"?><Error><Code>${code}</Code></Error>`,
        );
      };
      const rawPath = (request.url ?? '/').split('?')[0]!;
      const match = /^\/([^/]+)\/(.+)$/.exec(rawPath);
      if (!match) return fail(400, 'InvalidURI');
      record.bucket = decodeURIComponent(match[1]!);
      record.key = decodeURIComponent(match[2]!);

      const refusal = verifySignature(request, rawPath, body, options);
      if (refusal) return fail(refusal.status, refusal.code);
      if (record.bucket !== options.bucket) return fail(404, 'NoSuchBucket');

      const id = record.key;
      switch (request.method) {
        case 'PUT': {
          objects.set(id, {
            body,
            contentType: header(request, 'content-type'),
            cacheControl: header(request, 'cache-control'),
          });
          record.status = 200;
          response.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
          return response.end();
        }
        case 'GET':
        case 'HEAD': {
          const object = objects.get(id);
          if (!object) return fail(404, 'NoSuchKey');
          record.status = 200;
          response.writeHead(200, {
            'content-length': String(object.body.length),
            'content-type': object.contentType ?? 'binary/octet-stream',
          });
          return response.end(request.method === 'GET' ? object.body : undefined);
        }
        case 'DELETE':
          objects.delete(id);
          record.status = 204;
          response.writeHead(204);
          return response.end();
        default:
          return fail(405, 'MethodNotAllowed');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

function verifySignature(
  request: IncomingMessage,
  rawPath: string,
  body: Buffer,
  options: FakeS3Options,
): { status: number; code: string } | null {
  const authorization = header(request, 'authorization');
  const match = authorization ? AUTHORIZATION.exec(authorization) : null;
  if (!match) return { status: 403, code: 'AccessDenied' };
  const [, accessKeyId, day, region, signedHeaderList, signature] = match as unknown as string[];
  const secret = options.credentials[accessKeyId!];
  if (secret === undefined) return { status: 403, code: 'InvalidAccessKeyId' };
  if (region !== options.region) return { status: 400, code: 'AuthorizationHeaderMalformed' };

  const stamp = header(request, 'x-amz-date') ?? '';
  const parsed = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!parsed || stamp.slice(0, 8) !== day) return { status: 403, code: 'AccessDenied' };
  const [, y, mo, d, h, mi, s] = parsed.map(Number) as number[];
  const signedAt = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  if (Math.abs(Date.now() - signedAt) > (options.maxSkewMs ?? MAX_SKEW_MS)) {
    return { status: 403, code: 'RequestTimeTooSkewed' };
  }

  const signedHeaders = signedHeaderList!.split(';');
  for (const required of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signedHeaders.includes(required)) return { status: 403, code: 'AccessDenied' };
  }
  const payloadHash = header(request, 'x-amz-content-sha256') ?? '';
  if (payloadHash !== 'UNSIGNED-PAYLOAD') {
    if (!/^[0-9a-f]{64}$/.test(payloadHash)) return { status: 400, code: 'InvalidArgument' };
    if (createHash('sha256').update(body).digest('hex') !== payloadHash) {
      return { status: 400, code: 'XAmzContentSHA256Mismatch' };
    }
  }

  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(header(request, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const query = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
  const canonicalQuery = [...query.entries()]
    .map(([k, v]) => [strictEncode(k), strictEncode(v)])
    .sort((a, b) => (a[0]! === b[0]! ? (a[1]! < b[1]! ? -1 : 1) : a[0]! < b[0]! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    request.method,
    rawPath,
    canonicalQuery,
    canonicalHeaders,
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(day!).digest();
  for (const part of [region!, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(signature!, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 403, code: 'SignatureDoesNotMatch' };
  }
  return null;
}

function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
