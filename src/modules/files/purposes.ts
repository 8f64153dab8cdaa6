import type { FilesConfig } from '../../config.js';
import type { FilePurpose, FileVisibility } from './schema.js';

/** A content type the API stores, with the extension its storage keys end in. */
export interface StoredType {
  contentType: string;
  extension: string;
}

export const JPEG: StoredType = { contentType: 'image/jpeg', extension: 'jpg' };
export const PNG: StoredType = { contentType: 'image/png', extension: 'png' };
export const WEBP: StoredType = { contentType: 'image/webp', extension: 'webp' };
export const AVIF: StoredType = { contentType: 'image/avif', extension: 'avif' };
export const PDF: StoredType = { contentType: 'application/pdf', extension: 'pdf' };
export const CSV: StoredType = { contentType: 'text/csv', extension: 'csv' };

/** Every type any purpose accepts, by the MIME type `file-type` reports for it. */
export const SNIFFABLE_TYPES: ReadonlyMap<string, StoredType> = new Map(
  [JPEG, PNG, WEBP, AVIF, PDF].map((type) => [type.contentType, type]),
);

export interface PurposeRule {
  accepts: readonly StoredType[];
  defaultVisibility: FileVisibility;
  /** Needed to upload; null: any signed-in user or API key may. */
  uploadPermission: string | null;
  /** Staff holding it may read other people's private files of this purpose. */
  readPermission: string;
  /** Staff holding it may delete other people's files of this purpose. */
  deletePermission: string;
  /**
   * Staff holding it may make a file of this purpose public (served to anyone on the merchant's
   * domain); null: never public.
   */
  publishPermission: string | null;
  /** What the accepted types are called in error messages. */
  description: string;
}

/**
 * Images illustrate the catalog, so the catalog's permissions govern them; imports feed product
 * creation; documents are what any account sends in (tax certificates, signed forms), and only staff
 * who look after customer accounts see other people's. Only staff publish: a public file is served
 * from the merchant's own domain to anyone.
 */
export const PURPOSE_RULES: Readonly<Record<FilePurpose, PurposeRule>> = {
  image: {
    accepts: [JPEG, PNG, WEBP, AVIF],
    defaultVisibility: 'public',
    uploadPermission: 'products.edit',
    readPermission: 'products.edit',
    deletePermission: 'products.edit',
    publishPermission: 'products.edit',
    description: 'JPEG, PNG, WebP or AVIF images',
  },
  document: {
    accepts: [PDF],
    defaultVisibility: 'private',
    uploadPermission: null,
    readPermission: 'customers.view',
    deletePermission: 'customers.edit',
    // A public PDF is catalog material (a data sheet, a price list): the catalog's editors publish it.
    publishPermission: 'products.edit',
    description: 'PDF documents',
  },
  import: {
    accepts: [CSV],
    defaultVisibility: 'private',
    uploadPermission: 'products.create',
    readPermission: 'products.create',
    deletePermission: 'products.create',
    publishPermission: null,
    description: 'CSV files (UTF-8 text)',
  },
};

export function maxBytesOf(config: FilesConfig, purpose: FilePurpose): number {
  return config.maxBytes[purpose];
}

/** Images larger than this many pixels are refused: decoding one would take gigabytes of memory. */
export const MAX_IMAGE_PIXELS = 50_000_000;
