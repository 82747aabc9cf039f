/**
 * One network pass over whole tiles: pad each to the model's side multiple by reflection
 * (right and bottom only, so the network's stride-32 grid stays anchored at the tile's
 * origin), run them as one batch, crop the two probability maps back. Node-only (runs the
 * model).
 */
import { ShapeError } from '../errors/index.js';
import type { ProbMapF32, RgbImage } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';
import type { UsenetModel } from './load-model.js';
import { reflectWindow, writeNchwSlot } from './reflect-window.js';

/** The network's two outputs for one image, float32 in [0, 1], the image's size. */
export interface PredictedMaps {
  /** Nucleus-mask probability. */
  readonly mask: ProbMapF32;
  /** Shape-marker probability. */
  readonly marker: ProbMapF32;
}

/** The smallest multiple of `m` that is >= `v`. */
export function roundUpTo(v: number, m: number): number {
  return Math.ceil(v / m) * m;
}

/**
 * Copies one channel's `[x, x + width) x [y, y + height)` out of a network output
 * [n, channels, outHeight, outWidth] into `dst` (a width x height map) at `(dstX, dstY)`.
 */
export function copyOutputRegion(
  out: Float32Array,
  slot: number,
  channel: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  region: { x: number; y: number; width: number; height: number },
  dst: ProbMapF32,
  dstX: number,
  dstY: number,
): void {
  const base = (slot * channels + channel) * outWidth * outHeight;
  for (let r = 0; r < region.height; r++) {
    const s = base + (region.y + r) * outWidth + region.x;
    dst.data.set(out.subarray(s, s + region.width), (dstY + r) * dst.width + dstX);
  }
}

/** Splits a network output into per-image mask and marker maps, cropping the padding away. */
export function splitOutputs(model: UsenetModel, out: Float32Array, n: number, outWidth: number, outHeight: number, width: number, height: number): PredictedMaps[] {
  const channels = out.length / (n * outWidth * outHeight);
  const region = { x: 0, y: 0, width, height };
  const maps: PredictedMaps[] = [];
  for (let k = 0; k < n; k++) {
    const mask: ProbMapF32 = { width, height, data: new Float32Array(width * height) };
    const marker: ProbMapF32 = { width, height, data: new Float32Array(width * height) };
    copyOutputRegion(out, k, model.card.outputs.maskChannel, channels, outWidth, outHeight, region, mask, 0, 0);
    copyOutputRegion(out, k, model.card.outputs.markerChannel, channels, outWidth, outHeight, region, marker, 0, 0);
    maps.push({ mask, marker });
  }
  return maps;
}

/**
 * Runs several same-sized tiles as one batch. Tiles are expected stain-normalized already
 * (see `predictImage` for the whole pipeline with normalization and tiling).
 * @param tiles RGB images (uint8, interleaved), all of the same width x height, at least 1x1
 * @returns one {@link PredictedMaps} per tile, in order, each of the tile's size
 * @throws {ShapeError} when tiles differ in size or are malformed; {@link ModelError} when
 *   inference fails.
 * @example
 * const [a, b] = await predictTiles(model, [tileA, tileB]);
 */
export async function predictTiles(model: UsenetModel, tiles: readonly RgbImage[]): Promise<PredictedMaps[]> {
  if (tiles.length === 0) return [];
  const { width, height } = tiles[0];
  tiles.forEach((t, k) => {
    assertRasterShape(`tile ${k}`, t, 3);
    if (t.width !== width || t.height !== height) {
      throw new ShapeError(`tile 0 is ${width}x${height} but tile ${k} is ${t.width}x${t.height}; a batch needs one size`);
    }
  });
  if (width < 1 || height < 1) throw new ShapeError(`cannot run the model on an empty ${width}x${height} tile`);
  const m = model.card.input.sideMultiple;
  const pw = roundUpTo(width, m);
  const ph = roundUpTo(height, m);
  const data = new Float32Array(tiles.length * 3 * pw * ph);
  tiles.forEach((t, k) => writeNchwSlot(pw === width && ph === height ? t : reflectWindow(t, 0, 0, pw, ph), data, k));
  const out = await model.run({ data, n: tiles.length, height: ph, width: pw });
  return splitOutputs(model, out, tiles.length, pw, ph, width, height);
}

/**
 * Runs the model on one stain-normalized RGB tile of any size (padded to the model's side
 * multiple by reflection, cropped back).
 * @param rgb RGB image (uint8, interleaved), at least 1x1
 * @returns float32 mask and marker probabilities of rgb's size
 * @throws {ShapeError} malformed image; {@link ModelError} when inference fails.
 * @example
 * const { mask, marker } = await predictTile(model, normalizedTile);
 */
export async function predictTile(model: UsenetModel, rgb: RgbImage): Promise<PredictedMaps> {
  const [maps] = await predictTiles(model, [rgb]);
  return maps;
}
