import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantIdColumn, tenantIsolation } from '../../db/tenant-policy.js';

/** What a file is for; each purpose has its own allowed types and size limit (see purposes.ts). */
export const FILE_PURPOSES = ['image', 'document', 'import'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

export const FILE_VISIBILITIES = ['public', 'private'] as const;
export type FileVisibility = (typeof FILE_VISIBILITIES)[number];

/** `ready` once stored; images stay `processing` until their resized variants exist. */
export const FILE_STATUSES = ['processing', 'ready', 'failed'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

/** A resized rendition of an image (webp), stored next to the original. */
export interface FileVariant {
  name: 'thumb' | 'medium' | 'large';
  key: string;
  contentType: string;
  width: number;
  height: number;
  sizeBytes: number;
}

/**
 * Every stored upload. The bytes live in the storage driver (local disk or S3) under `storage_key`,
 * which carries the content hash so public copies can be cached forever.
 */
export const files = pgTable(
  'files',
  {
    tenantId: tenantIdColumn(),
    id: uuid('id').primaryKey(),
    purpose: text('purpose', { enum: FILE_PURPOSES }).notNull(),
    visibility: text('visibility', { enum: FILE_VISIBILITIES }).notNull(),
    status: text('status', { enum: FILE_STATUSES }).notNull().default('ready'),
    /** Decided from the bytes, never from the client's header or the file name. */
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    originalName: text('original_name'),
    width: integer('width'),
    height: integer('height'),
    variants: jsonb('variants').$type<FileVariant[]>().notNull().default([]),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    check('files_purpose_check', sql`${t.purpose} IN ('image', 'document', 'import')`),
    check('files_visibility_check', sql`${t.visibility} IN ('public', 'private')`),
    check('files_status_check', sql`${t.status} IN ('processing', 'ready', 'failed')`),
    index('files_tenant_created_idx').on(t.tenantId, t.createdAt),
    tenantIsolation(),
  ],
);
export type FileRow = typeof files.$inferSelect;
