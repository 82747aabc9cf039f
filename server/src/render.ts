/**
 * Turns a level-0 rectangle into an encoded image of a given size: read from the finest
 * pyramid level not finer than needed, resize, optionally rotate/mirror/grey, encode.
 * The one path DeepZoom tiles and IIIF requests share. Node-only (sharp).
 */
import sharp from 'sharp';
import { levelRectFromLevel0, type Level0Rect, type RgbImage, type SlideReader } from '@nucleilens/pipeline';
import { RegionTooLargeError } from './http-errors.js';
import type { ImageFormat } from './iiif.js';

/** How to turn pixels into bytes. */
export interface EncodeOptions {
  readonly format: ImageFormat;
  readonly quality: number;
  readonly rotation?: 0 | 90 | 180 | 270;
  readonly mirror?: boolean;
  readonly gray?: boolean;
}

/** MIME type of each output format. */
export const CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/**
 * Reads `region` scaled to `width` x `height` (output pixels).
 * @param maxReadPixels refuses reads above this many level pixels (a sparse pyramid can need many)
 * @throws {RegionTooLargeError} above `maxReadPixels`; reader errors as they come.
 */
export async function readScaled(
  reader: SlideReader,
  region: Level0Rect,
  width: number,
  height: number,
  maxReadPixels: number,
  signal?: AbortSignal,
): Promise<RgbImage> {
  const downsample = Math.min(region.width / width, region.height / height);
  const level = reader.bestLevelForDownsample(downsample);
  const rect = levelRectFromLevel0(region, reader.info.levels[level].downsample);
  if (rect.width * rect.height > maxReadPixels) {
    throw new RegionTooLargeError(`region needs ${rect.width}x${rect.height} px read at level ${level}, above the ${maxReadPixels}-pixel limit`);
  }
  const img = await reader.readLevelRegion(rect, level, signal);
  if (img.width === width && img.height === height) return img;
  const { data, info } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Encodes RGB pixels, applying mirror (before rotation, as IIIF orders them), rotation and grey. */
export async function encodeImage(img: RgbImage, o: EncodeOptions): Promise<Buffer> {
  let pipe = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  });
  if (o.mirror) pipe = pipe.flop();
  if (o.rotation) pipe = pipe.rotate(o.rotation);
  if (o.gray) pipe = pipe.greyscale().toColourspace('b-w');
  switch (o.format) {
    case 'jpeg':
      return pipe.jpeg({ quality: o.quality }).toBuffer();
    case 'png':
      return pipe.png({ compressionLevel: 6 }).toBuffer();
    case 'webp':
      return pipe.webp({ quality: o.quality }).toBuffer();
  }
}
