import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import sharp from 'sharp';

/*
 * Real files for upload tests (made with sharp, or written by hand for PDF) and multipart bodies
 * built byte by byte, so tests send exactly what a browser or curl would.
 */

export interface FieldPart {
  name: string;
  value: string;
}

export interface FilePart {
  name: string;
  filename: string;
  /** What the client claims; the server must ignore it. */
  contentType: string;
  data: Buffer;
}

export type Part = FieldPart | FilePart;

export function multipartBody(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----carsi${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts)
    chunks.push(
      partHeader(boundary, part),
      'data' in part ? part.data : Buffer.from(part.value),
      Buffer.from('\r\n'),
    );
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

function partHeader(boundary: string, part: Part): Buffer {
  const disposition =
    'data' in part
      ? `form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType}`
      : `form-data; name="${part.name}"`;
  return Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`);
}

/**
 * A multipart upload whose file part is `fileBytes` long and generated as it is read, counting what the
 * server pulled: a 100 MB upload without 100 MB in memory.
 */
export function streamingUpload(purpose: string, fileBytes: number) {
  const boundary = `----carsi${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  const progress = { pulled: 0 };
  async function* generate() {
    yield head;
    progress.pulled += head.length;
    // A JPEG signature first, so nothing but the size can refuse it.
    yield Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
    for (let sent = 4; sent < fileBytes; sent += chunk.length) {
      progress.pulled += chunk.length;
      yield chunk;
    }
    yield tail;
  }
  return {
    payload: Readable.from(generate(), { objectMode: false }),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    progress,
  };
}

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif';

/** A real image of the given size: a gradient, so encoders cannot shrink it to nothing. */
export async function sampleImage(
  format: ImageFormat,
  width = 64,
  height = 48,
  options: { exif?: Record<string, Record<string, string>>; orientation?: number } = {},
): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = 128;
    }
  }
  let image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (options.exif) image = image.withExif(options.exif);
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  return image.toFormat(format).toBuffer();
}

/** The smallest well-formed PDF: one empty page, with a correct cross-reference table. */
export function samplePdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

export function sampleCsv(): Buffer {
  return Buffer.from('sku;ad;fiyat\nKLM-001;Çelik kalem;12,50\nDFT-002;Defter ığüşöç;34,00\n', 'utf8');
}

/** The first bytes of a Windows executable (MZ header and PE signature offset). */
export function sampleExe(): Buffer {
  const exe = Buffer.alloc(512);
  exe.write('MZ', 0, 'latin1');
  exe.writeUInt32LE(0x80, 0x3c);
  exe.write('PE\0\0', 0x80, 'latin1');
  return exe;
}

export { waitFor } from '../../../test/wait.js';
