import { ShapeError, InvalidArgumentError } from '../errors/index.js';
import type { RgbImage, ProbMap, ProbMapF32, ProbMapU8, LabelImage, BinaryMask, FloatImage, Size } from './types.js';

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new InvalidArgumentError(`raster size must be non-negative integers, got ${width}x${height}`);
  }
}

/** A zero-filled RGB image. */
export function createRgbImage(width: number, height: number): RgbImage {
  checkSize(width, height);
  return { width, height, data: new Uint8Array(width * height * 3) };
}

/** A zero-filled label image. */
export function createLabelImage(width: number, height: number): LabelImage {
  checkSize(width, height);
  return { width, height, data: new Int32Array(width * height) };
}

/** A zero-filled binary mask. */
export function createBinaryMask(width: number, height: number): BinaryMask {
  checkSize(width, height);
  return { width, height, data: new Uint8Array(width * height) };
}

/** A zero-filled float image. */
export function createFloatImage(width: number, height: number): FloatImage {
  checkSize(width, height);
  return { width, height, data: new Float32Array(width * height) };
}

/**
 * Checks that `data` has exactly `width * height * channels` elements.
 * @throws {ShapeError} naming the raster and both sizes.
 */
export function assertRasterShape(
  name: string,
  raster: { width: number; height: number; data: ArrayLike<number> },
  channels = 1,
): void {
  checkSize(raster.width, raster.height);
  const expected = raster.width * raster.height * channels;
  if (raster.data.length !== expected) {
    throw new ShapeError(
      `${name}: ${raster.width}x${raster.height}x${channels} needs ${expected} elements, data has ${raster.data.length}`,
    );
  }
}

/**
 * Checks that two rasters have the same width and height.
 * @throws {ShapeError} naming both shapes.
 */
export function assertSameSize(nameA: string, a: Size, nameB: string, b: Size): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new ShapeError(`${nameA} is ${a.width}x${a.height} but ${nameB} is ${b.width}x${b.height}`);
  }
}

/** True when the map stores uint8 (probability x 255). */
export function isProbMapU8(map: ProbMap): map is ProbMapU8 {
  return map.data instanceof Uint8Array;
}

/** Probability in [0, 1] at flat index `i`, whatever the representation. */
export function probAt(map: ProbMap, i: number): number {
  return isProbMapU8(map) ? map.data[i] / 255 : map.data[i];
}

/** A float32 copy (or the same map when already float32). */
export function toProbF32(map: ProbMap): ProbMapF32 {
  if (!isProbMapU8(map)) return map;
  const out = new Float32Array(map.data.length);
  for (let i = 0; i < out.length; i++) out[i] = map.data[i] / 255;
  return { width: map.width, height: map.height, data: out };
}

/** Quantizes to uint8 (round(p x 255), clamped), the cache and PNG format. */
export function toProbU8(map: ProbMap): ProbMapU8 {
  if (isProbMapU8(map)) return map;
  const out = new Uint8Array(map.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(map.data[i] * 255);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { width: map.width, height: map.height, data: out };
}

/**
 * The element value of `map` that a pixel must exceed to lie strictly above `threshold`:
 * for uint8 maps the byte floor(255 t), since v / 255 > t exactly when v > floor(255 t)
 * (no float rounding at the boundary); for float maps `threshold` itself. The one rule
 * behind {@link thresholdProb} and every other "strictly above" test on a map.
 * @example
 * exceedLevel({ width: 1, height: 1, data: Uint8Array.of(0) }, 0.1); // 25: bytes 26.. are above
 */
export function exceedLevel(map: ProbMap, threshold: number): number {
  return isProbMapU8(map) ? Math.floor(threshold * 255) : threshold;
}

/**
 * Binary mask of pixels whose probability is strictly greater than `threshold`
 * (MATLAB's `im2bw`/`imbinarize` convention, which the USE-Net recipe uses).
 * For uint8 maps the comparison is done on value/255 exactly.
 * @throws {InvalidArgumentError} when the threshold is outside [0, 1].
 */
export function thresholdProb(map: ProbMap, threshold: number): BinaryMask {
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new InvalidArgumentError(`threshold must be in [0, 1], got ${threshold}`);
  }
  const out = new Uint8Array(map.width * map.height);
  const above = exceedLevel(map, threshold);
  // One loop per element type keeps each loop's typed-array access monomorphic.
  if (isProbMapU8(map)) {
    const src = map.data;
    for (let i = 0; i < out.length; i++) out[i] = src[i] > above ? 1 : 0;
  } else {
    const src = map.data;
    for (let i = 0; i < out.length; i++) out[i] = src[i] > above ? 1 : 0;
  }
  return { width: map.width, height: map.height, data: out };
}

/** Number of distinct non-zero labels. */
export function countLabels(labels: LabelImage): number {
  const seen = new Set<number>();
  for (let i = 0; i < labels.data.length; i++) if (labels.data[i] !== 0) seen.add(labels.data[i]);
  return seen.size;
}

/** Renumbers labels to 1..N in raster order of first appearance; returns a new image. */
export function relabelSequential(labels: LabelImage): LabelImage {
  const map = new Map<number, number>();
  const out = new Int32Array(labels.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = labels.data[i];
    if (v === 0) continue;
    let id = map.get(v);
    if (id === undefined) {
      id = map.size + 1;
      map.set(v, id);
    }
    out[i] = id;
  }
  return { width: labels.width, height: labels.height, data: out };
}

/** Copies the rectangle `[x, x+w) x [y, y+h)` out of a single-channel raster. */
export function cropPlane<T extends Uint8Array | Int32Array | Float32Array>(
  raster: { width: number; height: number; data: T },
  x: number,
  y: number,
  w: number,
  h: number,
): { width: number; height: number; data: T } {
  const Ctor = raster.data.constructor as new (n: number) => T;
  const out = new Ctor(w * h);
  for (let r = 0; r < h; r++) {
    const src = (y + r) * raster.width + x;
    out.set(raster.data.subarray(src, src + w) as ArrayLike<number>, r * w);
  }
  return { width: w, height: h, data: out };
}

/** Copies the rectangle out of an RGB image. */
export function cropRgb(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const src = ((y + r) * img.width + x) * 3;
    out.set(img.data.subarray(src, src + w * 3), r * w * 3);
  }
  return { width: w, height: h, data: out };
}
