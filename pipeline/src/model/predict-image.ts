/**
 * Tiled inference over an image of any size, on a fixed compute grid: core tiles of
 * `tile` px from the image origin, each run with a `halo` of context on every side
 * (mirrored at the image borders), and only the core written back (overlap-tile strategy,
 * Ronneberger et al. 2015, DOI 10.1007/978-3-319-24574-4_28). Tile and halo are multiples
 * of the model's side multiple, so every window starts on the network's stride-32 grid and
 * a pixel sees the same context whatever tile it lands in, up to the halo. Windows are
 * built one batch at a time: memory holds the image, the two output maps, one tile row's
 * normalized band and one batch, never a whole-image input tensor. Node-only (runs the model).
 */
import { InvalidArgumentError, throwIfAborted } from '../errors/index.js';
import type { ProbMapF32, Rect, RgbImage } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';
import { DEFAULT_STAIN_TARGET, fitStain, normalizeStain, type StainParams } from '../stain/index.js';
import type { UsenetModel } from './load-model.js';
import { copyOutputRegion, roundUpTo, type PredictedMaps } from './predict-tile.js';
import { reflectWindow, writeNchwSlot } from './reflect-window.js';

/** The compute grid {@link predictImage} runs on. */
export interface TileGrid {
  /** Core tile side actually used per axis: `tile`, or less for an image smaller than one tile. */
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly halo: number;
  /** Window (network input) size: core + 2 x halo. */
  readonly windowWidth: number;
  readonly windowHeight: number;
  /** Core rectangles in image pixels, row-major; edge cores are clipped to the image. */
  readonly cores: readonly Rect[];
}

/**
 * The fixed grid of core tiles over a width x height image. Per axis the core side is
 * `tile`, shrunk to the image side rounded up to `multiple` when the image is smaller, so
 * a small image costs one small window.
 * @throws {InvalidArgumentError} when tile or halo is not a multiple of `multiple`
 *   (tile > 0, halo >= 0) or the image is empty.
 * @example
 * planTileGrid(1000, 1000, 512, 64, 32).cores.length; // 4
 */
export function planTileGrid(width: number, height: number, tile: number, halo: number, multiple: number): TileGrid {
  if (!(width >= 1 && height >= 1)) throw new InvalidArgumentError(`cannot tile an empty ${width}x${height} image`);
  if (!Number.isInteger(tile) || tile <= 0 || tile % multiple !== 0) {
    throw new InvalidArgumentError(`tile must be a positive multiple of ${multiple}, got ${tile}`);
  }
  if (!Number.isInteger(halo) || halo < 0 || halo % multiple !== 0) {
    throw new InvalidArgumentError(`halo must be a non-negative multiple of ${multiple}, got ${halo}`);
  }
  const tileWidth = Math.min(tile, roundUpTo(width, multiple));
  const tileHeight = Math.min(tile, roundUpTo(height, multiple));
  const cores: Rect[] = [];
  for (let y = 0; y < height; y += tileHeight) {
    for (let x = 0; x < width; x += tileWidth) {
      cores.push({ x, y, width: Math.min(tileWidth, width - x), height: Math.min(tileHeight, height - y) });
    }
  }
  return { tileWidth, tileHeight, halo, windowWidth: tileWidth + 2 * halo, windowHeight: tileHeight + 2 * halo, cores };
}

/** Above this many pixels the stain fit sees every k-th pixel of every k-th row. */
const MAX_FIT_PIXELS = 4_000_000;

/**
 * The image the stain fit sees: the image itself up to {@link MAX_FIT_PIXELS}, else a
 * strided subsample. The fit draws 20,000 evenly spread tissue pixels whatever the input
 * size, so a subsample estimates the same stains, while fitting a 16 Mpx image whole holds
 * several float copies of it (over 400 MiB measured at 4000x4000).
 */
function fitSample(rgb: RgbImage): RgbImage {
  const n = rgb.width * rgb.height;
  if (n <= MAX_FIT_PIXELS) return rgb;
  const k = Math.ceil(Math.sqrt(n / MAX_FIT_PIXELS));
  const width = Math.ceil(rgb.width / k);
  const height = Math.ceil(rgb.height / k);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, d = 0; y < height; y++) {
    for (let x = 0; x < width; x++, d += 3) {
      const s = ((y * k) * rgb.width + x * k) * 3;
      data[d] = rgb.data[s];
      data[d + 1] = rgb.data[s + 1];
      data[d + 2] = rgb.data[s + 2];
    }
  }
  return { width, height, data };
}

/** Progress of {@link predictImage}, reported after each batch. */
export interface TileProgress {
  readonly done: number;
  readonly total: number;
}

/** Options of {@link predictImage}. */
export interface PredictImageOptions {
  /** Core tile side in px, a multiple of the model's side multiple. Default: the card's (512). */
  readonly tile?: number;
  /** Context on each side of a core, a multiple of the side multiple. Default: the card's (64). */
  readonly halo?: number;
  /** Windows per network run. Default 1 on CPU (no gain from batching there), 8 on CUDA. */
  readonly batch?: number;
  /**
   * Stain handling: `'fit'` (default) fits Vahadane stain parameters on this image once (on
   * a strided subsample past 4 Mpx) and normalizes every window with them; pass the parameters a whole-slide caller fitted once
   * per slide to use those instead; `'none'` feeds the pixels as they are.
   */
  readonly stain?: 'fit' | 'none' | StainParams;
  /** Normalization target. Default `DEFAULT_STAIN_TARGET.vahadane` (what training used). */
  readonly stainTarget?: StainParams;
  /** Checked before each batch; aborting rejects with AbortedError. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TileProgress) => void;
}

/** What {@link predictImage} returns: the two maps, and the stain parameters it applied. */
export interface PredictImageResult extends PredictedMaps {
  /** The source stain parameters used for normalization; `null` with `stain: 'none'`. */
  readonly stain: StainParams | null;
  /** Number of core tiles run. */
  readonly tiles: number;
}

/**
 * Stain-normalizes and runs the model over an RGB image of any size on a fixed tile grid
 * (see the module comment), returning full-size probability maps.
 * @param rgb RGB image (uint8, interleaved), at least 1x1
 * @returns float32 mask and marker maps of rgb's size, the stain parameters applied, tile count
 * @throws {InvalidArgumentError} bad tile/halo/batch; {@link ShapeError} malformed image;
 *   {@link AbortedError} when `signal` fires; {@link ModelError} when inference fails.
 * @example
 * const { mask, marker } = await predictImage(model, await readRgb('he.png'), { tile: 512, halo: 64 });
 */
export async function predictImage(model: UsenetModel, rgb: RgbImage, options: PredictImageOptions = {}): Promise<PredictImageResult> {
  assertRasterShape('image', rgb, 3);
  const { width, height } = rgb;
  const grid = planTileGrid(width, height, options.tile ?? model.card.tile, options.halo ?? model.card.halo, model.card.input.sideMultiple);
  const batch = options.batch ?? (model.provider === 'cuda' ? 8 : 1);
  if (!Number.isInteger(batch) || batch < 1) throw new InvalidArgumentError(`batch must be a positive integer, got ${batch}`);
  throwIfAborted(options.signal);
  const stainOption = options.stain ?? 'fit';
  const stain = stainOption === 'none' ? null : stainOption === 'fit' ? fitStain(fitSample(rgb)) : stainOption;
  const target = options.stainTarget ?? DEFAULT_STAIN_TARGET.vahadane;
  const mask: ProbMapF32 = { width, height, data: new Float32Array(width * height) };
  const marker: ProbMapF32 = { width, height, data: new Float32Array(width * height) };
  const { windowWidth: ww, windowHeight: wh, halo, cores } = grid;
  const { maskChannel, markerChannel } = model.card.outputs;
  // Windows are cut from one normalized band per tile row (the row's cores plus their
  // halos, mirrored vertically at the image edges): normalization is per pixel, so this
  // equals normalizing the whole image, at 1 + 2*halo/tile of its cost and one band of memory.
  let band: { y: number; rgb: RgbImage } | undefined;
  const bandFor = (y: number): RgbImage => {
    if (band?.y !== y) {
      const raw = reflectWindow(rgb, 0, y - halo, width, wh);
      band = { y, rgb: stain ? normalizeStain(stain, target, raw) : raw };
    }
    return band.rgb;
  };
  for (let start = 0; start < cores.length; start += batch) {
    throwIfAborted(options.signal);
    const group = cores.slice(start, start + batch);
    const data = new Float32Array(group.length * 3 * ww * wh);
    group.forEach((core, k) => writeNchwSlot(reflectWindow(bandFor(core.y), core.x - halo, 0, ww, wh), data, k));
    const out = await model.run({ data, n: group.length, height: wh, width: ww });
    const channels = out.length / (group.length * ww * wh);
    group.forEach((core, k) => {
      const region = { x: halo, y: halo, width: core.width, height: core.height };
      copyOutputRegion(out, k, maskChannel, channels, ww, wh, region, mask, core.x, core.y);
      copyOutputRegion(out, k, markerChannel, channels, ww, wh, region, marker, core.x, core.y);
    });
    options.onProgress?.({ done: Math.min(start + batch, cores.length), total: cores.length });
  }
  return { mask, marker, stain, tiles: cores.length };
}
