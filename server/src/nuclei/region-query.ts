/**
 * The `x`, `y`, `w`, `h` of a nuclei or probabilities request: non-negative integers in
 * level-0 px, a rectangle of at least 1x1 that meets the slide and whose requested area
 * stays under the server's pixel limit (HTTP 413 above it).
 */
import { InvalidArgumentError, OutOfBoundsError, type Rect } from '@nucleilens/pipeline';
import { RegionTooLargeError } from '../http-errors.js';

function intParam(query: Readonly<Record<string, unknown>>, name: string, min: number): number {
  const raw = query[name];
  if (raw === undefined) throw new InvalidArgumentError(`${name} is required (level-0 px)`);
  if (typeof raw !== 'string' || !/^\d{1,12}$/.test(raw)) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer (level-0 px), got "${String(raw).slice(0, 40)}"`);
  }
  const v = Number(raw);
  if (v < min) throw new InvalidArgumentError(`${name} must be at least ${min}, got ${v}`);
  return v;
}

/**
 * Reads the rectangle of a request, clipped to the slide.
 * @throws {InvalidArgumentError} missing or malformed numbers; {@link RegionTooLargeError}
 *   when w x h exceeds `maxPixels`; {@link OutOfBoundsError} when it misses the slide.
 * @example
 * regionFromQuery({ x: '0', y: '0', w: '512', h: '512' }, 20000, 20000, 10_000_000);
 */
export function regionFromQuery(
  query: Readonly<Record<string, unknown>>,
  slideWidth: number,
  slideHeight: number,
  maxPixels: number,
): Rect {
  const x = intParam(query, 'x', 0);
  const y = intParam(query, 'y', 0);
  const w = intParam(query, 'w', 1);
  const h = intParam(query, 'h', 1);
  if (w * h > maxPixels) throw new RegionTooLargeError(`region ${w}x${h} is above the ${maxPixels}-pixel limit`);
  if (x >= slideWidth || y >= slideHeight) {
    throw new OutOfBoundsError(`region at (${x}, ${y}) lies outside the ${slideWidth}x${slideHeight} slide`);
  }
  return { x, y, width: Math.min(w, slideWidth - x), height: Math.min(h, slideHeight - y) };
}
