import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { S3Config } from '../../../config.js';
import {
  assertStorageKey,
  type PutOptions,
  type StorageDriver,
  StorageError,
  type StoredObject,
} from './driver.js';
import { amzDate, authorizationHeader, EMPTY_SHA256, encodePath } from './sigv4.js';

/** A request that gets no response headers within this time is abandoned (the job or client retries). */
const RESPONSE_TIMEOUT_MS = 120_000;

/**
 * S3-compatible object storage (AWS S3, MinIO, Cloudflare R2) through four calls — PUT, GET, HEAD and
 * DELETE Object — signed with AWS Signature Version 4 over `fetch`. That is all the files module
 * needs, and it spares the install the AWS SDK's few hundred modules.
 */
export class S3Storage implements StorageDriver {
  readonly name = 's3' as const;
  private readonly base: URL;

  constructor(
    private readonly config: S3Config,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.base = new URL(config.endpoint);
  }

  /** Path style (`<endpoint>/<bucket>/<key>`) or virtual-hosted style (`<bucket>.<host>/<key>`). */
  urlOf(key: string): URL {
    assertStorageKey(key);
    const url = new URL(this.base.href);
    const prefix = url.pathname.replace(/\/+$/, '');
    if (this.config.forcePathStyle) {
      url.pathname = `${prefix}/${encodePath(this.config.bucket)}/${encodePath(key)}`;
    } else {
      url.hostname = `${this.config.bucket}.${url.hostname}`;
      url.pathname = `${prefix}/${encodePath(key)}`;
    }
    return url;
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions): Promise<void> {
    let payloadHash: string;
    let size: number;
    if (Buffer.isBuffer(body)) {
      payloadHash = options.sha256 ?? createHash('sha256').update(body).digest('hex');
      size = body.length;
    } else {
      if (options.size === undefined || options.sha256 === undefined) {
        throw new StorageError('S3 put: a stream body needs its size and SHA-256');
      }
      payloadHash = options.sha256;
      size = options.size;
    }
    const response = await this.send('PUT', key, {
      payloadHash,
      headers: { 'content-type': options.contentType, 'cache-control': options.cacheControl },
      body,
      size,
    });
    await response.body?.cancel();
  }

  async get(key: string): Promise<StoredObject | null> {
    const response = await this.send('GET', key, { allow404: true });
    if (response.status === 404) return null;
    const length = Number(response.headers.get('content-length'));
    if (!response.body || !Number.isSafeInteger(length)) {
      await response.body?.cancel();
      throw new StorageError(`S3 get ${key}: the response has no body length`);
    }
    return { body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), size: length };
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 whether or not the key existed; some compatible services answer 404.
    const response = await this.send('DELETE', key, { allow404: true });
    await response.body?.cancel();
  }

  async exists(key: string): Promise<boolean> {
    const response = await this.send('HEAD', key, { allow404: true });
    await response.body?.cancel();
    return response.status !== 404;
  }

  private async send(
    method: 'PUT' | 'GET' | 'HEAD' | 'DELETE',
    key: string,
    options: {
      payloadHash?: string;
      headers?: Record<string, string>;
      body?: Buffer | Readable;
      size?: number;
      allow404?: boolean;
    },
  ): Promise<Response> {
    const url = this.urlOf(key);
    const date = this.now();
    const payloadHash = options.payloadHash ?? EMPTY_SHA256;
    const signed: Record<string, string> = {
      host: url.host,
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate(date),
      ...options.headers,
    };
    const authorization = authorizationHeader(
      { method, path: url.pathname, headers: signed, payloadHash },
      { ...this.config, service: 's3' },
      date,
    );
    const { host: _host, ...headers } = signed;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), RESPONSE_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...headers,
          authorization,
          ...(options.size !== undefined ? { 'content-length': String(options.size) } : {}),
        },
        ...(options.body !== undefined ? { body: options.body, duplex: 'half' } : {}),
        signal: controller.signal,
        redirect: 'error',
      } as RequestInit);
    } catch (error) {
      throw new StorageError(`S3 ${method} ${key}: ${(error as Error).message}`, { cause: error });
    } finally {
      // Only waiting for the response is timed: a large download may take longer to stream.
      clearTimeout(timer);
    }
    if (response.ok || (options.allow404 && response.status === 404)) return response;
    const text = method === 'HEAD' ? '' : await response.text().catch(() => '');
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'no error code';
    throw new StorageError(`S3 ${method} ${key}: ${response.status} ${code}`);
  }
}
