import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TextDecoder } from 'node:util';
import { fileTypeFromFile } from 'file-type';
import { AppError } from '../../kernel/errors.js';
import { CSV, SNIFFABLE_TYPES, type StoredType } from './purposes.js';

/** An upload received into a temporary file, measured, hashed and identified by its bytes. */
export interface ReceivedUpload {
  tmpPath: string;
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  type: StoredType;
}

export interface ReceiveOptions {
  tmpDir: string;
  maxBytes: number;
  accepts: readonly StoredType[];
  /** What `accepts` is called in the refusal. */
  description: string;
}

export class UploadTooLarge extends AppError {
  constructor(maxBytes: number) {
    super(
      'files.too_large',
      413,
      `The file is larger than ${formatBytes(maxBytes)}, the limit for its purpose.`,
      {
        maxBytes,
      },
    );
  }
}

/**
 * Streams an upload to a temporary file while counting and hashing it, and stops reading as soon as it
 * passes `maxBytes`: an oversized upload costs at most the limit in disk and never sits in memory.
 * The type is then decided from the bytes alone (the client's content type and file name are not
 * trusted). Refusals remove the temporary file; on success the caller removes it.
 */
export async function receiveUpload(source: Readable, options: ReceiveOptions): Promise<ReceivedUpload> {
  await mkdir(options.tmpDir, { recursive: true, mode: 0o700 });
  const tmpPath = path.join(options.tmpDir, `${randomUUID()}.upload`);
  const meter = new UploadMeter(options.maxBytes, options.accepts.includes(CSV));
  try {
    await pipeline(source, meter, createWriteStream(tmpPath, { flags: 'wx', mode: 0o600 }));
    if (meter.size === 0) throw new AppError('files.empty', 400, 'The file is empty.');
    const type = await identify(tmpPath, meter);
    if (!type || !options.accepts.includes(type)) {
      throw new AppError(
        'files.unsupported_type',
        415,
        `This purpose accepts ${options.description}; the file's contents are ${type ? type.contentType : 'not one of them'}.`,
        { accepted: options.accepts.map((t) => t.contentType) },
      );
    }
    return { tmpPath, size: meter.size, sha256: meter.sha256(), type };
  } catch (error) {
    await rm(tmpPath, { force: true });
    throw error;
  }
}

async function identify(file: string, meter: UploadMeter): Promise<StoredType | null> {
  const sniffed = await fileTypeFromFile(file);
  if (sniffed)
    return SNIFFABLE_TYPES.get(sniffed.mime) ?? { contentType: sniffed.mime, extension: sniffed.ext };
  // Text has no magic bytes: a CSV is accepted as what is left when nothing binary was recognised and
  // every byte is valid UTF-8 without NUL characters.
  return meter.isText() ? CSV : null;
}

/** Counts, hashes and (when text is acceptable) checks UTF-8 on the way to the disk. */
class UploadMeter extends Transform {
  size = 0;
  private readonly hash = createHash('sha256');
  private decoder: TextDecoder | null;
  private textual: boolean;

  constructor(
    private readonly maxBytes: number,
    checkText: boolean,
  ) {
    super();
    this.textual = checkText;
    this.decoder = checkText ? new TextDecoder('utf-8', { fatal: true }) : null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new UploadTooLarge(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    if (this.textual) this.checkText(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.textual) this.checkText(undefined);
    callback();
  }

  private checkText(chunk: Buffer | undefined): void {
    try {
      if (chunk?.includes(0)) this.textual = false;
      // Streaming decode: a character split across chunks is joined, not taken as invalid.
      else this.decoder?.decode(chunk, { stream: chunk !== undefined });
    } catch {
      this.textual = false;
    }
    if (!this.textual) this.decoder = null;
  }

  isText(): boolean {
    return this.textual;
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}

/** The name the client gave, kept for display and downloads: no directories, no control characters. */
export function cleanFileName(name: string | undefined): string | null {
  if (!name) return null;
  const base = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return cleaned === '' ? null : [...cleaned].slice(0, 255).join('');
}

/** Removes temporary uploads older than an hour: what a crash mid-upload leaves behind. */
export async function removeStaleUploads(tmpDir: string, olderThanMs = 3_600_000): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(tmpDir);
  } catch {
    return 0;
  }
  const cutoff = Date.now() - olderThanMs;
  for (const name of names) {
    const file = path.join(tmpDir, name);
    try {
      if ((await stat(file)).mtimeMs < cutoff) {
        await rm(file, { force: true });
        removed += 1;
      }
    } catch {
      // Removed meanwhile by the request that owned it.
    }
  }
  return removed;
}

export function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 1 ? `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
