/**
 * Flat-array plumbing shared by the post-processing stages: a plane copied into a frame one
 * pixel wider on every side, and the raveled neighbour offsets on that frame. With a border
 * that is never foreground, inner loops visit neighbours without bounds checks (the layout
 * scikit-image's watershed uses). Internal to pipeline/post; not re-exported.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { Connectivity } from '../raster/types.js';

/** A single-channel plane inside a one-pixel frame: `stride = width + 2`. */
export interface PaddedPlane<T extends Uint8Array | Int32Array | Float64Array> {
  /** Padded width (`width + 2`), the row stride of `data`. */
  readonly stride: number;
  /** Original width and height (without the frame). */
  readonly width: number;
  readonly height: number;
  readonly data: T;
}

type PlaneCtor<T> = new (n: number) => T;

type Plane = Uint8Array | Int32Array | Float32Array | Float64Array;

/**
 * Copies `src` (row-major, `width * height`) into a framed plane whose frame holds `fill`,
 * converting element types as typed-array `set` does.
 */
export function padPlane<T extends Uint8Array | Int32Array | Float64Array>(
  Ctor: PlaneCtor<T>,
  src: Plane,
  width: number,
  height: number,
  fill = 0,
): PaddedPlane<T> {
  const stride = width + 2;
  const data = new Ctor(stride * (height + 2));
  if (fill !== 0) data.fill(fill);
  for (let y = 0; y < height; y++) data.set(src.subarray(y * width, y * width + width), (y + 1) * stride + 1);
  return { stride, width, height, data };
}

/** Copies the inside of a framed plane back to a plain row-major array. */
export function unpadPlane<T extends Uint8Array | Int32Array | Float64Array>(
  Ctor: PlaneCtor<T>,
  plane: PaddedPlane<Uint8Array | Int32Array | Float64Array>,
): T {
  const { stride, width, height } = plane;
  const out = new Ctor(width * height);
  for (let y = 0; y < height; y++) {
    const row = (y + 1) * stride + 1;
    out.set(plane.data.subarray(row, row + width), y * width);
  }
  return out;
}

/**
 * Raveled offsets of a pixel's neighbours on a plane of row stride `stride`, nearest first
 * (edge neighbours, then diagonals), each group in raster order: scikit-image's order, which
 * fixes the order in which ties are pushed and so makes flooding reproducible.
 */
export function neighbourOffsets(stride: number, connectivity: Connectivity): Int32Array {
  const edge = [-stride, -1, 1, stride];
  if (connectivity === 4) return Int32Array.from(edge);
  return Int32Array.from([...edge, -stride - 1, -stride + 1, stride - 1, stride + 1]);
}

/**
 * Checks a connectivity argument at run time (callers from plain JavaScript can pass anything).
 * @throws {InvalidArgumentError} unless it is 4 or 8.
 */
export function assertConnectivity(name: string, connectivity: number): asserts connectivity is Connectivity {
  if (connectivity !== 4 && connectivity !== 8) {
    throw new InvalidArgumentError(`${name} must be 4 or 8, got ${String(connectivity)}`);
  }
}

/**
 * Checks a size bound (an area in pixels): a non-negative number, `Infinity` allowed.
 * @throws {InvalidArgumentError} when negative or NaN.
 */
export function assertSizeBound(name: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new InvalidArgumentError(`${name} must be a number >= 0, got ${String(value)}`);
  }
}
