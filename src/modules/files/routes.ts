import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { withTx } from '../../db/tx.js';
import { AppError } from '../../kernel/errors.js';
import { problemResponse, problemResponses, TenantHeaders } from '../../kernel/http/schemas.js';
import { decodeCursor, pageOf, toPage } from '../../kernel/pagination.js';
import { requireTenantMember } from './access.js';
import {
  BinaryResponse,
  FileIdParams,
  FileListQuery,
  FileSchema,
  SignedUrlQuery,
  SignedUrlSchema,
  UploadForm,
} from './contracts.js';
import {
  deleteFile,
  findPublicObject,
  getFile,
  getReadableFile,
  listFiles,
  PUBLIC_CACHE_CONTROL,
  parsePublicKey,
  type ServedObject,
  saveUpload,
  servedObjectOf,
  signedUrlOf,
  toFileView,
} from './service.js';
import { verifyFileToken } from './signed-urls.js';
import { storageFor } from './storage/driver.js';
import { removeStaleUploads } from './upload.js';
import { readUploadForm } from './upload-form.js';

const security: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];
const tags = ['files'];

/** Temporary directories already swept of uploads a crash left behind (once per process). */
const sweptTmpDirs = new Set<string>();

/** Uploads, metadata, deletion, public serving and signed links of stored files. */
export const fileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(uploadRoute);

  app.get(
    '/files',
    {
      preValidation: requireTenantMember,
      schema: {
        tags,
        operationId: 'files.list',
        summary: 'Files I uploaded, and those of the purposes I look after',
        description:
          'Needs a signed-in user or API key of the tenant. Staff see every file of a purpose whose read ' +
          'permission they hold (images products.edit, imports products.create, documents customers.view); ' +
          'everyone sees the files they uploaded.',
        security,
        headers: TenantHeaders,
        querystring: FileListQuery,
        response: { 200: pageOf(FileSchema), ...problemResponses(401, 403) },
      },
    },
    (request) =>
      withTx(
        request.ctx,
        async (tx) => {
          const { limit, cursor, purpose } = request.query;
          const rows = await listFiles(tx, { limit, purpose, after: decodeCursor(cursor) });
          return toPage(rows, limit, (r) => r.id, toFileView);
        },
        { readOnly: true },
      ),
  );

  app.get(
    '/files/:id',
    {
      preValidation: requireTenantMember,
      schema: {
        tags,
        operationId: 'files.get',
        summary: 'A file’s metadata and, for public files, its URLs',
        description:
          'Needs a signed-in user or API key of the tenant. A file the caller may not read is 404, as if ' +
          'it did not exist: private files are their uploader’s and those staff’s who hold the purpose’s ' +
          'read permission.',
        security,
        params: FileIdParams,
        response: { 200: FileSchema, ...problemResponses(401, 403, 404) },
      },
    },
    (request) =>
      withTx(request.ctx, async (tx) => toFileView(await getReadableFile(tx, request.params.id)), {
        readOnly: true,
      }),
  );

  app.post(
    '/files/:id/signed-url',
    {
      preValidation: requireTenantMember,
      schema: {
        tags,
        operationId: 'files.signedUrls.create',
        summary: 'A short-lived link to a file that works without credentials',
        description:
          'Needs a signed-in user or API key who may read the file. For private files (public ones have ' +
          'permanent URLs). The link is valid for FILES_SIGNED_URL_TTL_SECONDS (default 5 minutes); ' +
          '`variant` links to a resized image instead of the original.',
        security,
        params: FileIdParams,
        querystring: SignedUrlQuery,
        response: { 200: SignedUrlSchema, ...problemResponses(401, 403, 404) },
      },
    },
    (request) =>
      withTx(
        request.ctx,
        async (tx) =>
          signedUrlOf(
            request.ctx,
            await getReadableFile(tx, request.params.id),
            request.query.variant ?? null,
          ),
        { readOnly: true },
      ),
  );

  app.delete(
    '/files/:id',
    {
      preValidation: requireTenantMember,
      schema: {
        tags,
        operationId: 'files.delete',
        summary: 'Delete a file',
        description:
          'Its uploader, or staff holding the purpose’s permission (images products.edit, imports products.create, ' +
          'documents customers.edit). Its URLs stop working at once; the bytes are removed from storage shortly after.',
        security,
        params: FileIdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await withTx(request.ctx, (tx) => deleteFile(tx, request.params.id));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/files/public/*',
    {
      compress: false,
      schema: {
        tags,
        operationId: 'files.public.get',
        summary: 'A public file (or image variant) by its storage key',
        description:
          'Open to everyone, without credentials. Keys carry the content hash, so responses are cacheable ' +
          'forever. Unknown, private and deleted files are 404.',
        security: [],
        params: Type.Object({
          '*': Type.String({
            maxLength: 300,
            description:
              'The storage key, as the file’s URLs give it; its slashes may be sent as they are or as %2F',
          }),
        }),
        response: {
          200: BinaryResponse,
          304: Type.Null({ description: 'Not modified (If-None-Match)' }),
          ...problemResponses(404),
        },
      },
    },
    async (request, reply) => {
      const key = request.params['*'];
      const parsed = parsePublicKey(key);
      const served = parsed
        ? await withTx({ ...request.ctx, tenantId: parsed.tenantId }, (tx) => findPublicObject(tx, key), {
            readOnly: true,
          })
        : null;
      if (!served) throw new AppError('files.not_found', 404, 'No such file.');
      return sendStored(request, reply, served, { cacheControl: PUBLIC_CACHE_CONTROL, disposition: null });
    },
  );

  app.get(
    '/files/signed/:token',
    {
      compress: false,
      schema: {
        tags,
        operationId: 'files.signed.get',
        summary: 'A file through a signed link',
        description:
          'Open to everyone holding the link, without credentials. Links come from POST ' +
          '/files/{id}/signed-url. Expired or altered links are 403.',
        security: [],
        params: Type.Object({ token: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          200: BinaryResponse,
          304: Type.Null({ description: 'Not modified (If-None-Match)' }),
          ...problemResponses(403, 404),
        },
      },
    },
    async (request, reply) => {
      const check = verifyFileToken(request.ctx.runtime.config.jwtSecret, request.params.token);
      if (!check.ok) {
        throw check.reason === 'expired'
          ? new AppError('files.link_expired', 403, 'The link has expired; ask for a new one.')
          : new AppError('files.invalid_link', 403, 'The link is not valid.');
      }
      const { token } = check;
      const served = await withTx(
        { ...request.ctx, tenantId: token.tenantId },
        async (tx) => servedObjectOf(await getFile(tx, token.fileId), token.variant),
        { readOnly: true },
      );
      if (!served) throw new AppError('files.not_found', 404, 'No such file.');
      const remaining = Math.max(0, Math.floor((token.expiresAt.getTime() - Date.now()) / 1000));
      return sendStored(request, reply, served, {
        cacheControl: `private, max-age=${remaining}`,
        disposition: served.contentType === 'text/csv' ? 'attachment' : 'inline',
      });
    },
  );
};

/** `POST /files`, in a scope of its own with the multipart parser. */
const uploadRoute: FastifyPluginAsyncTypebox = async (app) => {
  // Registered in this scope only: the upload is the one route taking multipart bodies, and the
  // parser's per-request hooks stay off the other routes (public files are a hot path).
  await app.register(multipart, { throwFileSizeLimit: true });
  // An upload refused before its body was read (no credentials, too large, wrong type) is answered at
  // once; closing the connection afterwards stops the rest of the body from being received, instead
  // of reading and discarding up to gigabytes (or taking the leftover bytes as the next request).
  app.addHook('onSend', (request, reply, payload, done) => {
    // `complete`: the whole message has arrived (if not consumed); injected requests only end.
    const unread = !request.raw.complete && !request.raw.readableEnded;
    if (reply.statusCode >= 400 && request.isMultipart() && unread) reply.header('connection', 'close');
    done(null, payload);
  });

  app.post(
    '/files',
    {
      preValidation: requireTenantMember,
      // The body is a multipart stream read by the handler; the schema below only documents it.
      validatorCompiler: () => () => true,
      schema: {
        tags,
        operationId: 'files.upload',
        summary: 'Upload a file',
        description:
          'multipart/form-data with `purpose` (image | document | import), optional `visibility` and then `file`; ' +
          'fields must come before the file. The type is decided from the bytes: images JPEG/PNG/WebP/AVIF ' +
          '(default limit 10 MiB, needs products.edit), documents PDF (20 MiB, anyone signed in), imports CSV ' +
          'in UTF-8 (20 MiB, needs products.create). Images are `processing` until their webp variants are made.',
        security,
        consumes: ['multipart/form-data'],
        body: UploadForm,
        response: {
          201: FileSchema,
          ...problemResponses(401, 403),
          413: problemResponse(
            'The file is larger than its purpose allows (`files.too_large`, `maxBytes` says the limit), or a ' +
              'body that is not a form larger than BODY_LIMIT (`request.body_too_large`)',
          ),
          415: problemResponse(
            'The file’s bytes are not a type its purpose takes (`files.unsupported_type`), or the body is not ' +
              'multipart/form-data (`request.unsupported_media_type`)',
          ),
          422: problemResponse(
            'The image cannot be read (`files.invalid_image`) or has more pixels than accepted (`files.image_too_large`)',
          ),
          503: problemResponse(
            'File storage cannot be reached (`files.storage_unavailable`): try again shortly',
          ),
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new AppError('request.unsupported_media_type', 415, 'Send the file as multipart/form-data.');
      }
      const { files: filesConfig } = request.ctx.runtime.config;
      if (!sweptTmpDirs.has(filesConfig.tmpDir)) {
        sweptTmpDirs.add(filesConfig.tmpDir);
        void removeStaleUploads(filesConfig.tmpDir);
      }
      const form = await readUploadForm(request, filesConfig);
      let row: Awaited<ReturnType<typeof saveUpload>>;
      try {
        row = await saveUpload(request.ctx, form);
      } finally {
        // Before answering: once the answer is out, nothing waits for this handler to finish.
        await rm(form.received.tmpPath, { force: true });
      }
      return reply.code(201).send(toFileView(row));
    },
  );
};

/**
 * Answers with stored bytes. The ETag is the content hash, so a matching If-None-Match is answered
 * 304 without touching storage. Files are served with their sniffed type and `nosniff`, and may be
 * embedded by other origins (storefronts, admin panels on their own domains).
 */
async function sendStored(
  request: FastifyRequest,
  reply: FastifyReply,
  served: ServedObject,
  options: { cacheControl: string; disposition: 'inline' | 'attachment' | null },
) {
  reply.headers({
    etag: served.etag,
    'cache-control': options.cacheControl,
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'cross-origin',
  });
  if (options.disposition && served.originalName) {
    reply.header('content-disposition', contentDisposition(options.disposition, served.originalName));
  }
  if (matchesEtag(request.headers['if-none-match'], served.etag)) return reply.code(304).send();
  if (request.method === 'HEAD') {
    // Fastify's HEAD handling drains a stream body; an empty one keeps the length set here.
    return reply.type(served.contentType).header('content-length', served.size).send(Readable.from([]));
  }
  const object = await storageFor(request.ctx.runtime.config).get(served.key);
  if (!object) {
    request.log.error({ key: served.key }, 'stored file missing from storage');
    throw new AppError('files.not_found', 404, 'No such file.');
  }
  return reply.type(served.contentType).header('content-length', object.size).send(object.body);
}

function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const candidate = tag.trim();
    return candidate === '*' || candidate.replace(/^W\//, '') === etag;
  });
}

/** RFC 6266: an ASCII fallback name plus the exact UTF-8 one (Turkish letters survive). */
function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii =
    name
      .normalize('NFKD')
      .replace(/[^\x20-\x7e]/g, '')
      .replace(/["\\]/g, '') || 'file';
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
