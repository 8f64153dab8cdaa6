import { Type } from '@sinclair/typebox';
import { Nullable } from '../../../kernel/http/schemas.js';
import { PageQuery } from '../../../kernel/pagination.js';
import { ProductStatus, StringEnum, Uuid } from '../contracts.js';
import { IMPORT_STATUSES } from '../schema.js';

const Timestamp = Type.String({ format: 'date-time' });

export const ImportStartBody = Type.Object(
  {
    fileId: Type.String({ ...Uuid, description: 'A CSV uploaded with POST /files and the purpose "import"' }),
  },
  { additionalProperties: false },
);

const importFields = {
  id: Type.String(),
  status: StringEnum(IMPORT_STATUSES, {
    description: 'queued → running → completed, or failed when the file as a whole cannot be imported',
  }),
  fileId: Type.String(),
  totalRows: Nullable(
    Type.Integer({ description: 'Data rows of the file (the header not counted); null until read' }),
  ),
  processedRows: Type.Integer({ description: 'Rows done so far, imported or reported' }),
  createdCount: Type.Integer({ description: 'Products created' }),
  updatedCount: Type.Integer({ description: 'Existing products changed (unchanged ones are not counted)' }),
  errorCount: Type.Integer({ description: 'Problems found, including any beyond the first 1,000 listed' }),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
};

export const ImportRowErrorSchema = Type.Object({
  row: Type.Integer({
    description: 'Row as a spreadsheet numbers it (the header is row 1); 0: the file as a whole',
  }),
  field: Nullable(Type.String({ description: 'The column, when the problem is in one' })),
  message: Type.String(),
});

export const ImportSummary = Type.Object(importFields);
export const ImportDetail = Type.Object({
  ...importFields,
  errors: Type.Array(ImportRowErrorSchema, {
    description: 'The first 1,000 problems; a product with any problem is not imported, the others are',
  }),
});

export const ImportListQuery = Type.Object(PageQuery, { additionalProperties: false });

export const ExportQuerySchema = Type.Object(
  {
    status: Type.Optional(ProductStatus),
    category: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Id or slug of a category: its products and those of every category below it',
      }),
    ),
    delimiter: Type.Optional(
      StringEnum(['comma', 'semicolon', 'tab'] as const, {
        description:
          'Cell separator; default comma. Excel in a Turkish locale opens semicolon files directly',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CsvResponse = Type.Unsafe<unknown>({
  description: 'CSV (UTF-8 with a byte order mark), one row per variant',
  content: { 'text/csv': { schema: { type: 'string' } } },
});
