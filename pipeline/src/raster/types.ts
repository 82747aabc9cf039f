/**
 * Raster types. Every raster is `{ width, height, data }` with row-major pixels; the element
 * type is part of the type name so a reader never guesses. Sizes are in pixels of whatever
 * image the raster came from (level-0 pixels for slide regions unless a name says otherwise).
 * This module imports no Node built-ins: it runs in the browser too.
 */

/** 8-bit RGB, interleaved (`data.length === width * height * 3`). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** One probability per pixel in [0, 1] as float32. */
export interface ProbMapF32 {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** One probability per pixel quantized to uint8 (probability x 255), the cache format. */
export interface ProbMapU8 {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A probability map in either representation; use {@link probAt} or {@link toProbF32} to read it. */
export type ProbMap = ProbMapF32 | ProbMapU8;

/** A binary mask: 0 = background, 1 = foreground (any non-zero is foreground on input). */
export interface BinaryMask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Instance labels: 0 = background, 1..N = one id per object (ids need not be contiguous). */
export interface LabelImage {
  readonly width: number;
  readonly height: number;
  readonly data: Int32Array;
}

/** A float32 scalar field (distance transforms, optical density channels). */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Width and height of a raster. */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/** Axis-aligned rectangle, half-open: covers x in [x, x + width), y in [y, y + height). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Pixel connectivity for 2-D neighbourhoods. */
export type Connectivity = 4 | 8;
