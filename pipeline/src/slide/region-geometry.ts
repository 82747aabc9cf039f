/**
 * Rectangle arithmetic between level-0 and level pixels, and blitting decoded tiles into
 * a region. Pure and browser-safe.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { RgbImage } from '../raster/types.js';
import type { Level0Rect, LevelRect } from './types.js';

/**
 * Checks that a rectangle has integer coordinates and a non-negative integer size.
 * @throws {InvalidArgumentError} naming `what` and the rectangle.
 */
export function assertIntegerRect(what: string, r: { x: number; y: number; width: number; height: number }): void {
  const ok =
    Number.isSafeInteger(r.x) && Number.isSafeInteger(r.y) && Number.isSafeInteger(r.width) && Number.isSafeInteger(r.height);
  if (!ok || r.width < 0 || r.height < 0) {
    throw new InvalidArgumentError(`${what} must have integer x, y and a non-negative integer size, got ${JSON.stringify(r)}`);
  }
}

/**
 * The level rectangle a level-0 rectangle covers at `downsample`: start rounded down, end
 * rounded up, so the result covers every level pixel the level-0 rectangle touches.
 * @example
 * levelRectFromLevel0({ x: 3, y: 0, width: 4, height: 2 }, 2); // { x: 1, y: 0, width: 3, height: 1 }
 */
export function levelRectFromLevel0(region: Level0Rect, downsample: number): LevelRect {
  if (!(downsample >= 1) || !Number.isFinite(downsample)) {
    throw new InvalidArgumentError(`downsample must be a finite number >= 1, got ${downsample}`);
  }
  if (downsample === 1) return { x: region.x, y: region.y, width: region.width, height: region.height };
  const x0 = Math.floor(region.x / downsample);
  const y0 = Math.floor(region.y / downsample);
  const x1 = Math.ceil((region.x + region.width) / downsample);
  const y1 = Math.ceil((region.y + region.height) / downsample);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The intersection of two rectangles, or `undefined` when they do not overlap. */
export function intersectRect(a: LevelRect, b: LevelRect): LevelRect | undefined {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
}

/** An RGB image filled with white (255), the colour of glass outside a slide. */
export function whiteRgb(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(255) };
}

/**
 * Copies the part of `src` (placed with its top-left at `srcOrigin` in some shared pixel
 * space) that overlaps `dst` (placed at `dstOrigin`) into `dst`. Mutates `dst` only.
 */
export function blitRgbInPlace(
  dst: RgbImage,
  dstOrigin: { x: number; y: number },
  src: RgbImage,
  srcOrigin: { x: number; y: number },
): void {
  const overlap = intersectRect(
    { x: dstOrigin.x, y: dstOrigin.y, width: dst.width, height: dst.height },
    { x: srcOrigin.x, y: srcOrigin.y, width: src.width, height: src.height },
  );
  if (!overlap) return;
  const rowBytes = overlap.width * 3;
  for (let row = 0; row < overlap.height; row++) {
    const sy = overlap.y + row - srcOrigin.y;
    const dy = overlap.y + row - dstOrigin.y;
    const s = (sy * src.width + (overlap.x - srcOrigin.x)) * 3;
    const d = (dy * dst.width + (overlap.x - dstOrigin.x)) * 3;
    dst.data.set(src.data.subarray(s, s + rowBytes), d);
  }
}

/**
 * Halves an RGB image with a 2x2 box filter (odd edges average the pixels that exist),
 * the reduction a binary pyramid is built with. Output is ceil(w/2) x ceil(h/2).
 */
export function downsampleRgb2x(img: RgbImage): RgbImage {
  const w = Math.ceil(img.width / 2);
  const h = Math.ceil(img.height / 2);
  const out = new Uint8Array(w * h * 3);
  const src = img.data;
  const sw = img.width;
  for (let y = 0; y < h; y++) {
    const y0 = 2 * y;
    const y1 = Math.min(y0 + 1, img.height - 1);
    for (let x = 0; x < w; x++) {
      const x0 = 2 * x;
      const x1 = Math.min(x0 + 1, sw - 1);
      const a = (y0 * sw + x0) * 3;
      const b = (y0 * sw + x1) * 3;
      const c = (y1 * sw + x0) * 3;
      const d = (y1 * sw + x1) * 3;
      const o = (y * w + x) * 3;
      // Duplicated edge pixels weigh the same as the ones that exist: a plain mean of what is there.
      out[o] = (src[a] + src[b] + src[c] + src[d] + 2) >> 2;
      out[o + 1] = (src[a + 1] + src[b + 1] + src[c + 1] + src[d + 1] + 2) >> 2;
      out[o + 2] = (src[a + 2] + src[b + 2] + src[c + 2] + src[d + 2] + 2) >> 2;
    }
  }
  return { width: w, height: h, data: out };
}
