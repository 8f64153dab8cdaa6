import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { withTx } from '../../../db/tx.js';
import { requirePermission } from '../../../kernel/http/guards.js';
import { problemResponses } from '../../../kernel/http/schemas.js';
import { decodeCursor, pageOf, toPage } from '../../../kernel/pagination.js';
import { contentLocaleOf } from '../access.js';
import { findCategory } from '../categories.service.js';
import { IdParams } from '../contracts.js';
import { catalogRead } from '../errors.js';
import { writeSecurity } from '../http.js';
import {
  CsvResponse,
  ExportQuerySchema,
  ImportDetail,
  ImportListQuery,
  ImportStartBody,
  ImportSummary,
} from './contracts.js';
import { DELIMITERS } from './csv.js';
import { exportProducts } from './export.service.js';
import { getImport, listImports, startImport, toImportDetail, toImportSummary } from './import.service.js';

const tags = ['products'];

/** CSV import (a background job with a progress resource) and export of products and variants. */
export const catalogImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/products/import',
    {
      preValidation: [requirePermission('products.create'), requirePermission('products.edit')],
      schema: {
        tags,
        operationId: 'products.imports.create',
        summary: 'Import products and variants from an uploaded CSV file',
        description:
          'Needs products.create and products.edit. Answers 202 at once with the import (status queued) ' +
          'and its URL in Location; a background job then creates products whose external id is new and ' +
          'updates the others (variants matched by SKU; nothing the file does not mention is deleted). ' +
          'Poll the import for progress and the per-row error report. The file format is described in ' +
          'docs/CATALOG.md.',
        security: writeSecurity,
        body: ImportStartBody,
        response: { 202: ImportDetail, ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const row = await withTx(request.ctx, (tx) => startImport(tx, request.body.fileId));
      return reply
        .code(202)
        .header('location', `${app.prefix}/products/imports/${row.id}`)
        .send(toImportDetail(row));
    },
  );

  app.get(
    '/products/imports/:id',
    {
      preValidation: requirePermission('products.create'),
      schema: {
        tags,
        operationId: 'products.imports.get',
        summary: 'An import’s progress and error report',
        description:
          'Needs products.create. Its status, row counts so far and the first 1,000 problems, each with ' +
          'its row.',
        security: writeSecurity,
        params: IdParams,
        response: { 200: ImportDetail, ...problemResponses(401, 403, 404) },
      },
    },
    (request) =>
      catalogRead(request.ctx, async (tx) => toImportDetail(await getImport(tx, request.params.id))),
  );

  app.get(
    '/products/imports',
    {
      preValidation: requirePermission('products.create'),
      schema: {
        tags,
        operationId: 'products.imports.list',
        summary: 'Imports, newest first',
        description: 'Needs products.create.',
        security: writeSecurity,
        querystring: ImportListQuery,
        response: { 200: pageOf(ImportSummary), ...problemResponses(401, 403) },
      },
    },
    (request) =>
      catalogRead(request.ctx, async (tx) => {
        const { limit, cursor } = request.query;
        const rows = await listImports(tx, { limit, after: decodeCursor(cursor) });
        return toPage(rows, limit, (row) => row.id, toImportSummary);
      }),
  );

  app.get(
    '/products/export',
    {
      preValidation: requirePermission('products.view'),
      schema: {
        tags,
        operationId: 'products.export',
        summary: 'Download products and variants as CSV',
        description:
          'Needs products.view. Every product (drafts and archived ones too) with its variants, one row ' +
          'per variant, in the format POST /products/import reads. Streamed: large catalogs download ' +
          'without delay.',
        security: writeSecurity,
        querystring: ExportQuerySchema,
        response: { 200: CsvResponse, ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { status, category, delimiter = 'comma' } = request.query;
      const contentLocale = contentLocaleOf(request);
      // Checked before the first byte goes out: once streaming, a problem can no longer be answered.
      const categoryId = category
        ? (
            await catalogRead(request.ctx, (tx) =>
              findCategory(tx, category, { locale: contentLocale, fallback: contentLocale }),
            )
          ).id
        : undefined;
      const day = new Date().toISOString().slice(0, 10);
      const body = Readable.from(
        exportProducts(request.ctx, { status, categoryId, delimiter: DELIMITERS[delimiter] }, contentLocale),
      );
      body.on('error', (error) => request.log.error({ err: error }, 'product export stopped'));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="products-${day}.csv"`)
        .header('cache-control', 'private, no-store')
        .send(body);
    },
  );
};
