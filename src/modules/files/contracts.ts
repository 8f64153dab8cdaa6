import { Type } from '@sinclair/typebox';
import { Nullable } from '../../kernel/http/schemas.js';
import { PageQuery } from '../../kernel/pagination.js';

export const FilePurposeSchema = Type.Union(
  [Type.Literal('image'), Type.Literal('document'), Type.Literal('import')],
  { description: 'image: JPEG/PNG/WebP/AVIF; document: PDF; import: CSV' },
);
export const FileVisibilitySchema = Type.Union([Type.Literal('public'), Type.Literal('private')]);
export const VariantSchema = Type.Union([
  Type.Literal('thumb'),
  Type.Literal('medium'),
  Type.Literal('large'),
]);

export const FileIdParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const ImageUrlsSchema = Type.Object(
  {
    original: Type.String(),
    thumb: Nullable(Type.String()),
    medium: Nullable(Type.String()),
    large: Nullable(Type.String()),
  },
  { description: 'Public files only; a variant not made yet is null (clients fall back to the original)' },
);

export const FileSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  purpose: FilePurposeSchema,
  visibility: FileVisibilitySchema,
  status: Type.Union([Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')], {
    description: 'Images are `processing` until their variants exist, `failed` if they cannot be decoded',
  }),
  contentType: Type.String({ description: 'Decided from the bytes, not from what the client said' }),
  sizeBytes: Type.Integer(),
  sha256: Type.String({ description: 'Hex SHA-256 of the bytes' }),
  originalName: Nullable(Type.String()),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  urls: Nullable(ImageUrlsSchema),
  createdBy: Nullable(Type.String({ format: 'uuid' })),
  createdAt: Type.String({ format: 'date-time' }),
});

export const FileListQuery = Type.Object(
  { ...PageQuery, purpose: Type.Optional(FilePurposeSchema) },
  { additionalProperties: false },
);

export const SignedUrlQuery = Type.Object(
  { variant: Type.Optional(VariantSchema) },
  { additionalProperties: false },
);

export const SignedUrlSchema = Type.Object({
  url: Type.String({ description: 'Path of the link, valid without credentials until expiresAt' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

/** The multipart form of an upload, for the API document (the body is read as a stream, not validated here). */
export const UploadForm = Type.Object(
  {
    purpose: FilePurposeSchema,
    visibility: Type.Optional(
      Type.Union([Type.Literal('public'), Type.Literal('private')], {
        description: 'Default: public for images, private for documents and imports',
      }),
    ),
    file: Type.Unsafe<unknown>({ type: 'string', format: 'binary', description: 'The file (fields first)' }),
  },
  { additionalProperties: false },
);

/** Raw bytes in the API document. */
export const BinaryResponse = Type.Unsafe<unknown>({
  description: 'The file’s bytes, with its content type',
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
});
