/**
 * `nucleilens convert`'s engine: any image sharp reads, or a mosaic of several, written
 * as a JPEG-compressed tiled pyramidal TIFF with its microns per pixel. libvips streams
 * the input, so gigapixel images convert without holding them in memory. Node-only.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { CorruptInputError, InvalidArgumentError, UnsupportedFormatError } from '../errors/index.js';
import { isPlausibleMpp } from './tiff-page.js';

/** Options of {@link writePyramidalTiff}. */
export interface PyramidalTiffOptions {
  /** Microns per pixel written as resolution; omit when unknown. */
  readonly mpp?: number;
  /** Tile side, a multiple of 16 (default 256). */
  readonly tileSize?: number;
  /** JPEG quality (default 85). */
  readonly quality?: number;
}

/** Where one input image lies in a mosaic (level-0 px of the output). */
export interface MosaicPlacement {
  readonly file: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A mosaic: the canvas size and where each image goes. */
export interface MosaicLayout {
  readonly width: number;
  readonly height: number;
  readonly placements: readonly MosaicPlacement[];
}

const SHARP = { limitInputPixels: false } as const;

/**
 * Lays images out on a near-square grid of equal cells (the largest image's size) with
 * `gap` px of white between and around them, in the order given. Pure.
 * @example
 * planMosaic([{ file: 'a.png', width: 1000, height: 1000 }, { file: 'b.png', width: 1000, height: 800 }], 64);
 * // { width: 2192, height: 1128, placements: [{ file: 'a.png', x: 64, y: 64, ... }, { file: 'b.png', x: 1128, y: 64, ... }] }
 */
export function planMosaic(images: readonly { file: string; width: number; height: number }[], gap: number): MosaicLayout {
  if (images.length === 0) throw new InvalidArgumentError('a mosaic needs at least one image');
  if (!(Number.isInteger(gap) && gap >= 0)) throw new InvalidArgumentError(`gap must be an integer >= 0, got ${gap}`);
  const cols = Math.ceil(Math.sqrt(images.length));
  const rows = Math.ceil(images.length / cols);
  const cw = Math.max(...images.map((i) => i.width));
  const ch = Math.max(...images.map((i) => i.height));
  const placements = images.map((img, k) => ({
    file: img.file,
    x: gap + (k % cols) * (cw + gap),
    y: gap + Math.floor(k / cols) * (ch + gap),
    width: img.width,
    height: img.height,
  }));
  return { width: gap + cols * (cw + gap), height: gap + rows * (ch + gap), placements };
}

/**
 * Image size through sharp.
 * @throws {UnsupportedFormatError} when sharp cannot read the file.
 */
export async function imageSize(path: string): Promise<{ width: number; height: number; mpp: number | undefined }> {
  try {
    const m = await sharp(path, SHARP).metadata();
    const mpp = m.density ? 25400 / m.density : undefined;
    return { width: m.width ?? 0, height: m.height ?? 0, mpp: isPlausibleMpp(mpp) ? mpp : undefined };
  } catch (err) {
    throw new UnsupportedFormatError(`${path}: not an image sharp can read (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Writes `input` (a path, or a mosaic of paths) to `out` as a tiled pyramidal JPEG TIFF.
 * Transparent pixels become white. A layout JSON is written next to a mosaic
 * (`OUT.layout.json`) so results can be mapped back to the source images.
 * @throws {InvalidArgumentError} bad options; {@link UnsupportedFormatError} unreadable
 *   input; {@link CorruptInputError} an input that fails while decoding.
 */
export async function writePyramidalTiff(input: string | MosaicLayout, out: string, o: PyramidalTiffOptions = {}): Promise<void> {
  const tile = o.tileSize ?? 256;
  const quality = o.quality ?? 85;
  if (!(Number.isInteger(tile) && tile >= 16 && tile % 16 === 0)) throw new InvalidArgumentError(`tile size must be a multiple of 16, got ${tile}`);
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) throw new InvalidArgumentError(`quality must be in 1..100, got ${quality}`);
  if (o.mpp !== undefined && !(o.mpp > 0 && Number.isFinite(o.mpp))) throw new InvalidArgumentError(`mpp must be a positive number, got ${o.mpp}`);
  let pipe: Sharp;
  let pixels: number;
  if (typeof input === 'string') {
    const size = await imageSize(input);
    pixels = size.width * size.height;
    pipe = sharp(input, SHARP);
  } else {
    pixels = input.width * input.height;
    pipe = sharp({ create: { width: input.width, height: input.height, channels: 3, background: '#ffffff' }, ...SHARP }).composite(
      input.placements.map((p) => ({ input: p.file, left: p.x, top: p.y })),
    );
  }
  // libvips' resolution is pixels per millimetre.
  const res = o.mpp !== undefined ? { xres: 1000 / o.mpp, yres: 1000 / o.mpp, resolutionUnit: 'cm' as const } : {};
  try {
    await pipe
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .tiff({
        compression: 'jpeg',
        quality,
        tile: true,
        tileWidth: tile,
        tileHeight: tile,
        pyramid: true,
        // JPEG tiles rarely reach 4 GiB, but a classic TIFF cannot address past it at all.
        bigtiff: pixels * 3 > 3.5e9,
        ...res,
      })
      .toFile(out);
  } catch (err) {
    throw new CorruptInputError(`cannot convert ${typeof input === 'string' ? input : 'mosaic'}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof input !== 'string') {
    const layout = { ...input, placements: input.placements.map((p) => ({ ...p, file: basename(p.file) })) };
    await writeFile(`${out}.layout.json`, JSON.stringify(layout, null, 2));
  }
}
