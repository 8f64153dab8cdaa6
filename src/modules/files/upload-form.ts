import { rm } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import type { FilesConfig } from '../../config.js';
import { AppError } from '../../kernel/errors.js';
import { checkedParts } from '../../kernel/http/invalid-characters.js';
import { assertCanUpload } from './access.js';
import { maxBytesOf, PURPOSE_RULES } from './purposes.js';
import { FILE_PURPOSES, FILE_VISIBILITIES, type FilePurpose, type FileVisibility } from './schema.js';
import { cleanFileName, type ReceivedUpload, receiveUpload, UploadTooLarge } from './upload.js';

export interface UploadForm {
  purpose: FilePurpose;
  visibility: FileVisibility;
  originalName: string | null;
  received: ReceivedUpload;
}

/** Parser limits: one file, two short fields. The file's own limit is enforced per purpose. */
function multipartLimits(config: FilesConfig) {
  return {
    fieldNameSize: 100,
    fieldSize: 100,
    fields: 2,
    files: 1,
    parts: 3,
    headerPairs: 20,
    // A backstop only: the purpose's limit stops reading earlier.
    fileSize: Math.max(...Object.values(config.maxBytes)) + 1,
  };
}

function invalidField(field: string, message: string): AppError {
  return new AppError('request.validation_failed', 400, 'The request has 1 invalid field.', {
    errors: [{ in: 'body', field, message }],
  });
}

const ALLOWED_FIELDS = new Set(['purpose', 'visibility']);

/**
 * Reads an upload form: `purpose` and `visibility` fields, then the `file`. The fields must come
 * first — the purpose decides who may upload and how much is read, and that must be known before
 * the first byte of the file is accepted. The file lands in a temporary file the caller removes.
 */
export async function readUploadForm(request: FastifyRequest, config: FilesConfig): Promise<UploadForm> {
  const fields = new Map<string, string>();
  let upload: { purpose: FilePurpose; visibility: FileVisibility; originalName: string | null } | undefined;
  let received: ReceivedUpload | undefined;
  try {
    // Each part's names and value are checked for refused characters before they are looked at.
    for await (const part of checkedParts(request.parts({ limits: multipartLimits(config) }))) {
      if (part.type === 'field') {
        if (received) throw invalidField(part.fieldname, 'must come before the file');
        if (!ALLOWED_FIELDS.has(part.fieldname))
          throw invalidField(part.fieldname, 'is not an allowed field');
        if (fields.has(part.fieldname)) throw invalidField(part.fieldname, 'is given more than once');
        fields.set(part.fieldname, String(part.value));
        continue;
      }
      if (part.fieldname !== 'file')
        throw invalidField(part.fieldname, 'is not an allowed field; send the file as "file"');
      const purpose = fields.get('purpose');
      if (purpose === undefined) throw invalidField('purpose', 'is required, before the file');
      if (!(FILE_PURPOSES as readonly string[]).includes(purpose)) {
        throw invalidField('purpose', `must be one of ${FILE_PURPOSES.join(', ')}`);
      }
      const rule = PURPOSE_RULES[purpose as FilePurpose];
      const visibility = fields.get('visibility') ?? rule.defaultVisibility;
      if (!(FILE_VISIBILITIES as readonly string[]).includes(visibility)) {
        throw invalidField('visibility', `must be one of ${FILE_VISIBILITIES.join(', ')}`);
      }
      assertCanUpload(request.ctx.actor, purpose as FilePurpose, visibility as FileVisibility);
      upload = {
        purpose: purpose as FilePurpose,
        visibility: visibility as FileVisibility,
        originalName: cleanFileName(part.filename),
      };
      received = await receiveUpload(part.file, {
        tmpDir: config.tmpDir,
        maxBytes: maxBytesOf(config, upload.purpose),
        accepts: rule.accepts,
        description: rule.description,
      });
    }
  } catch (error) {
    if (received) await rm(received.tmpPath, { force: true });
    throw asClientError(error, config);
  }
  if (!upload || !received) throw invalidField('file', 'is required');
  return { ...upload, received };
}

/**
 * Multipart parse failures are the client's: the parser's own limit errors become the same answers
 * the purpose rules give, and a malformed body (plain errors from the parser) a 400.
 */
function asClientError(error: unknown, config: FilesConfig): unknown {
  if (error instanceof AppError) return error;
  const { code, statusCode } = error as { code?: string; statusCode?: number };
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return new UploadTooLarge(Math.max(...Object.values(config.maxBytes)));
  if (code === 'FST_FILES_LIMIT') return invalidField('file', 'only one file per upload');
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
    return new AppError('request.validation_failed', 400, 'The form has more parts than an upload takes.', {
      errors: [{ in: 'body', field: '', message: 'only purpose, visibility and file are accepted' }],
    });
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return error;
  // System errors (a full disk) carry an errno code and stay server errors.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return error;
  return new AppError(
    'request.malformed_multipart',
    400,
    `The multipart body cannot be read: ${(error as Error).message}`,
  );
}
