import type { FileRow, FileVariant } from './schema.js';

/** Where public files are served (long-lived caching: their keys carry the content hash). */
export const PUBLIC_FILES_PATH = '/api/v1/files/public/';

/** The path a public file (or one of its variants) is served at, by its storage key. */
export function publicUrlOf(storageKey: string): string {
  return PUBLIC_FILES_PATH + storageKey;
}

export interface ImageUrls {
  original: string;
  thumb: string | null;
  medium: string | null;
  large: string | null;
}

/**
 * URLs of a public image and its resized webp variants; a variant not made yet (the resize job runs
 * after upload) is null, and clients fall back to the original.
 */
export function imageUrlsOf(file: Pick<FileRow, 'storageKey' | 'variants'>): ImageUrls {
  const variant = (name: FileVariant['name']) => {
    const found = file.variants.find((v) => v.name === name);
    return found ? publicUrlOf(found.key) : null;
  };
  return {
    original: publicUrlOf(file.storageKey),
    thumb: variant('thumb'),
    medium: variant('medium'),
    large: variant('large'),
  };
}
