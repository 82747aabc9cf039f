/**
 * Reading and writing rasters as image files, through sharp (libvips). Node-only: the
 * browser-safe modules never import this file.
 *
 * Formats: PNG (8- and 16-bit), JPEG, TIFF, WebP in; PNG / JPEG / TIFF out. Label images are
 * written as 16-bit greyscale PNG, or as 32-bit float-free TIFF when an id exceeds 65535.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata as SharpMetadata, CreateRaw as SharpCreateRaw } from 'sharp';
import {
  CorruptInputError,
  InvalidArgumentError,
  NotFoundError,
  UnsupportedFormatError,
} from '../errors/index.js';
import type { RgbImage, ProbMapU8, LabelImage, BinaryMask } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';

// Gigapixel inputs are legitimate here; libvips' default pixel limit would refuse them.
const SHARP_OPTIONS = { limitInputPixels: false } as const;

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`no such file: ${path}`, { cause: err });
    if (code === 'EISDIR') throw new InvalidArgumentError(`expected a file, got a folder: ${path}`, { cause: err });
    throw err;
  }
}

interface DecodedRaw {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
  depth: 8 | 16;
}

async function decode(bytes: Buffer, source: string, keepDepth: boolean): Promise<DecodedRaw> {
  let meta: SharpMetadata;
  try {
    meta = await sharp(bytes, SHARP_OPTIONS).metadata();
  } catch (err) {
    throw new UnsupportedFormatError(`${source}: not an image sharp can read (${(err as Error).message})`, {
      cause: err,
    });
  }
  const sixteen = keepDepth && (meta.depth === 'ushort' || meta.depth === 'short');
  try {
    let pipe = sharp(bytes, SHARP_OPTIONS);
    if (sixteen) pipe = pipe.toColourspace('grey16');
    const { data, info } = await pipe.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels, depth: sixteen ? 16 : 8 };
  } catch (err) {
    throw new CorruptInputError(`${source}: image could not be decoded (${(err as Error).message})`, { cause: err });
  }
}

/** How {@link readRgb} treats inputs that are not plain 3-channel RGB. */
export interface ReadRgbOptions {
  /**
   * What to do with an alpha channel: `'flatten'` composites over white (tissue scanners
   * put white behind the slide), `'error'` refuses. Default `'flatten'`.
   */
  alpha?: 'flatten' | 'error';
  /** Greyscale inputs are replicated to three channels unless this is `'error'`. Default `'replicate'`. */
  grey?: 'replicate' | 'error';
}

/**
 * Reads an image file or buffer as 8-bit RGB.
 * @param source path, or encoded bytes
 * @throws {NotFoundError} missing file; {@link UnsupportedFormatError} not an image;
 *   {@link CorruptInputError} truncated or damaged image.
 * @example
 * const img = await readRgb('tile.png'); // { width, height, data: Uint8Array(w*h*3) }
 */
export async function readRgb(source: string | Uint8Array, options: ReadRgbOptions = {}): Promise<RgbImage> {
  const name = typeof source === 'string' ? source : '<buffer>';
  const bytes = typeof source === 'string' ? await readBytes(source) : Buffer.from(source);
  let meta: SharpMetadata;
  try {
    meta = await sharp(bytes, SHARP_OPTIONS).metadata();
  } catch (err) {
    throw new UnsupportedFormatError(`${name}: not an image sharp can read (${(err as Error).message})`, { cause: err });
  }
  if (meta.hasAlpha && options.alpha === 'error') {
    throw new UnsupportedFormatError(`${name}: has an alpha channel; expected RGB`);
  }
  if ((meta.channels ?? 3) < 3 && options.grey === 'error') {
    throw new UnsupportedFormatError(`${name}: is greyscale; expected RGB`);
  }
  try {
    const { data, info } = await sharp(bytes, SHARP_OPTIONS)
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new CorruptInputError(`${name}: image could not be decoded (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Reads a single-channel 8-bit image as a uint8 probability map (value / 255 is the
 * probability), the format of the USE-Net reference outputs.
 * @throws as {@link readRgb}; {@link UnsupportedFormatError} for a multi-channel colour image.
 */
export async function readProbMapU8(source: string | Uint8Array): Promise<ProbMapU8> {
  const name = typeof source === 'string' ? source : '<buffer>';
  const bytes = typeof source === 'string' ? await readBytes(source) : Buffer.from(source);
  const raw = await decode(bytes, name, false);
  return { width: raw.width, height: raw.height, data: firstChannel(raw) };
}

/** Reads a mask image; any non-zero pixel (first channel) is foreground (1). */
export async function readBinaryMask(source: string | Uint8Array): Promise<BinaryMask> {
  const map = await readProbMapU8(source);
  const data = new Uint8Array(map.data.length);
  for (let i = 0; i < data.length; i++) data[i] = map.data[i] !== 0 ? 1 : 0;
  return { width: map.width, height: map.height, data };
}

function firstChannel(raw: DecodedRaw): Uint8Array {
  const n = raw.width * raw.height;
  const out = new Uint8Array(n);
  if (raw.channels === 1) {
    out.set(raw.data.subarray(0, n));
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = raw.data[i * raw.channels];
  return out;
}

/**
 * Reads a label image written by {@link writeLabels} (16-bit PNG or 32-bit TIFF), or any
 * 8/16-bit greyscale image whose values are instance ids.
 */
export async function readLabels(source: string | Uint8Array): Promise<LabelImage> {
  const name = typeof source === 'string' ? source : '<buffer>';
  const bytes = typeof source === 'string' ? await readBytes(source) : Buffer.from(source);
  const meta = await sharp(bytes, SHARP_OPTIONS).metadata().catch((err: unknown) => {
    throw new UnsupportedFormatError(`${name}: not an image sharp can read (${(err as Error).message})`, { cause: err });
  });
  if (meta.depth === 'uint' || meta.depth === 'int') {
    const { data, info } = await sharp(bytes, SHARP_OPTIONS).raw().toBuffer({ resolveWithObject: true });
    const words = new Int32Array(data.buffer, data.byteOffset, data.length / 4);
    const out = new Int32Array(info.width * info.height);
    for (let i = 0; i < out.length; i++) out[i] = words[i * info.channels];
    return { width: info.width, height: info.height, data: out };
  }
  const raw = await decode(bytes, name, true);
  const n = raw.width * raw.height;
  const out = new Int32Array(n);
  if (raw.depth === 16) {
    const words = new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2);
    for (let i = 0; i < n; i++) out[i] = words[i * raw.channels];
  } else {
    for (let i = 0; i < n; i++) out[i] = raw.data[i * raw.channels];
  }
  return { width: raw.width, height: raw.height, data: out };
}

/** Output encodings for {@link writeRgb}. */
export type RgbFormat = 'png' | 'jpeg' | 'tiff' | 'webp';

function formatFromPath(path: string): RgbFormat {
  const ext = path.toLowerCase().split('.').pop();
  if (ext === 'png') return 'png';
  if (ext === 'jpg' || ext === 'jpeg') return 'jpeg';
  if (ext === 'tif' || ext === 'tiff') return 'tiff';
  if (ext === 'webp') return 'webp';
  throw new UnsupportedFormatError(`cannot tell the image format from "${path}" (use .png, .jpg, .tif or .webp)`);
}

/** Encodes an RGB image; returns the bytes. */
export async function encodeRgb(img: RgbImage, format: RgbFormat, quality = 90): Promise<Buffer> {
  assertRasterShape('image', img, 3);
  const pipe = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
    ...SHARP_OPTIONS,
  });
  switch (format) {
    case 'png':
      return pipe.png().toBuffer();
    case 'jpeg':
      return pipe.jpeg({ quality }).toBuffer();
    case 'tiff':
      return pipe.tiff({ compression: 'lzw' }).toBuffer();
    case 'webp':
      return pipe.webp({ quality }).toBuffer();
  }
}

/** Writes an RGB image; the format follows the file extension. */
export async function writeRgb(path: string, img: RgbImage, quality = 90): Promise<void> {
  const bytes = await encodeRgb(img, formatFromPath(path), quality);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, bytes);
}

/** Writes a single-channel uint8 raster (probability map or 0/255 mask) as an 8-bit PNG. */
export async function writeGrey8(path: string, raster: { width: number; height: number; data: Uint8Array }): Promise<void> {
  assertRasterShape('raster', raster, 1);
  await sharp(Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.length), {
    raw: { width: raster.width, height: raster.height, channels: 1 },
  })
    // Without an explicit colour space libvips promotes single-channel raw input to sRGB.
    .toColourspace('b-w')
    .png()
    .toFile(path);
}

/**
 * Encodes labels: 16-bit greyscale PNG when every id fits in 0..65535, else a 32-bit
 * unsigned TIFF (the only lossless container sharp writes at that depth).
 * @returns the bytes and the format chosen.
 */
export async function encodeLabels(labels: LabelImage): Promise<{ bytes: Buffer; format: 'png' | 'tiff' }> {
  assertRasterShape('labels', labels, 1);
  let max = 0;
  for (let i = 0; i < labels.data.length; i++) {
    const v = labels.data[i];
    if (v < 0) throw new InvalidArgumentError(`labels must be non-negative, found ${v}`);
    if (v > max) max = v;
  }
  if (max <= 0xffff) {
    const words = new Uint16Array(labels.data.length);
    for (let i = 0; i < words.length; i++) words[i] = labels.data[i];
    // sharp takes the raw sample depth from the array's type: a Buffer would read as 8-bit.
    const bytes = await sharp(words, {
      raw: { width: labels.width, height: labels.height, channels: 1 },
    })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    return { bytes, format: 'png' };
  }
  const words = new Uint32Array(labels.data.length);
  for (let i = 0; i < words.length; i++) words[i] = labels.data[i];
  const img = sharp(words, {
    raw: { width: labels.width, height: labels.height, channels: 1, premultiplied: false } as SharpCreateRaw,
  });
  const bytes = await img.tiff({ compression: 'deflate' }).toBuffer();
  return { bytes, format: 'tiff' };
}

/**
 * Writes labels as 16-bit PNG (ids <= 65535). Past 65535 ids the path must end in .tif/.tiff.
 * @throws {InvalidArgumentError} when the ids need 32 bits and the path is a PNG.
 */
export async function writeLabels(path: string, labels: LabelImage): Promise<void> {
  const { bytes, format } = await encodeLabels(labels);
  const isTiff = /\.tiff?$/i.test(path);
  if (format === 'tiff' && !isTiff) {
    throw new InvalidArgumentError(`${path}: more than 65535 labels need a 32-bit TIFF; use a .tif path`);
  }
  const { writeFile } = await import('node:fs/promises');
  if (format === 'png' && isTiff) {
    const tiff = await sharp(bytes).tiff({ compression: 'deflate' }).toBuffer();
    await writeFile(path, tiff);
    return;
  }
  await writeFile(path, bytes);
}
