import sharp from 'sharp';
import { AppError } from '../../kernel/errors.js';
import { MAX_IMAGE_PIXELS } from './purposes.js';
import type { FileVariant } from './schema.js';

/** Resized webp renditions of every image, by the longest side in pixels. */
export const VARIANT_SIZES: readonly { name: FileVariant['name']; longestSide: number }[] = [
  { name: 'thumb', longestSide: 200 },
  { name: 'medium', longestSide: 800 },
  { name: 'large', longestSide: 1600 },
];

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * Width and height as the image is shown (EXIF orientation applied), read from the header only. An
 * image whose header cannot be read, or which would take gigabytes to decode, is refused at upload.
 */
export async function readImageSize(file: string): Promise<ImageSize> {
  let size: ImageSize;
  try {
    const metadata = await sharp(file, { limitInputPixels: false }).metadata();
    size = metadata.autoOrient;
  } catch {
    throw new AppError('files.invalid_image', 422, 'The image cannot be read; it may be damaged.');
  }
  if (!(size.width > 0 && size.height > 0)) {
    throw new AppError('files.invalid_image', 422, 'The image cannot be read; it may be damaged.');
  }
  if (size.width * size.height > MAX_IMAGE_PIXELS) {
    throw new AppError(
      'files.image_too_large',
      422,
      `The image is ${size.width}×${size.height} pixels; at most ${MAX_IMAGE_PIXELS / 1_000_000} megapixels are accepted.`,
      { width: size.width, height: size.height, maxPixels: MAX_IMAGE_PIXELS },
    );
  }
  return size;
}

export interface RenderedVariant extends ImageSize {
  name: FileVariant['name'];
  bytes: Buffer;
}

/** The image could not be decoded: retrying will not help. */
export class UnreadableImage extends Error {
  override name = 'UnreadableImage';
}

/**
 * Makes every variant from the original bytes: turned upright by its EXIF orientation, fitted inside
 * the variant's square (never enlarged), encoded as webp. sharp writes no metadata unless asked, so
 * EXIF (camera, GPS position), XMP and IPTC of the original do not reach the variants.
 */
export async function renderVariants(
  original: Buffer,
): Promise<{ size: ImageSize; variants: RenderedVariant[] }> {
  try {
    const input = sharp(original, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' }).autoOrient();
    const metadata = await sharp(original, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
    const variants: RenderedVariant[] = [];
    for (const { name, longestSide } of VARIANT_SIZES) {
      const { data, info } = await input
        .clone()
        .resize({ width: longestSide, height: longestSide, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 82 })
        .toBuffer({ resolveWithObject: true });
      variants.push({ name, bytes: data, width: info.width, height: info.height });
    }
    return { size: metadata.autoOrient, variants };
  } catch (error) {
    throw new UnreadableImage((error as Error).message);
  }
}
