/**
 * Filling small holes in a binary mask.
 * Browser-safe: no Node built-ins.
 */
import type { BinaryMask, Connectivity } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';
import { assertConnectivity, assertSizeBound } from './neighbourhood.js';
import { fillRun, labelRuns } from './run-labelling.js';

/**
 * Fills the holes of `mask` whose area is strictly below `maxHoleSize`. A hole is a
 * connected component of background that does not touch the image border: background
 * reaching the border is outside every object whatever its size (unlike scikit-image's
 * `remove_small_holes`, which also fills small background pieces at the border).
 * @param mask width x height, uint8; any non-zero pixel is foreground.
 * @param maxHoleSize area bound in pixels, >= 0; `Infinity` fills every hole (MATLAB
 *   `imfill(bw, 'holes')`).
 * @param connectivity connectivity of the *background* components: 4 (default) pairs with
 *   8-connected objects, so a diagonal gap in an object's outline does not open its hole.
 * @returns a new 0/1 mask of the same size.
 * @throws {ShapeError} when `mask.data` does not hold width x height elements.
 * @throws {InvalidArgumentError} for a negative bound or a connectivity other than 4/8.
 * @example
 * // a ring of 8 pixels around a 1-pixel hole
 * const ring = { width: 3, height: 3, data: Uint8Array.of(1, 1, 1, 1, 0, 1, 1, 1, 1) };
 * fillHoles(ring, 2).data;  // all ones
 * fillHoles(ring, 1).data;  // unchanged: the hole's area 1 is not below 1
 */
export function fillHoles(mask: BinaryMask, maxHoleSize: number, connectivity: Connectivity = 4): BinaryMask {
  assertRasterShape('mask', mask);
  assertSizeBound('maxHoleSize', maxHoleSize);
  const { width, height } = mask;
  const n = width * height;
  if (n === 0) return { width, height, data: new Uint8Array(0) };
  assertConnectivity('connectivity', connectivity);
  const holes = labelRuns(mask, connectivity, false);
  const touchesBorder = new Uint8Array(holes.count + 1);
  const lastRow = n - width;
  for (let r = 0; r < holes.runs; r++) {
    const s = holes.start[r];
    const e = holes.end[r];
    if (s < width || e > lastRow || s % width === 0 || e % width === 0) touchesBorder[holes.label[r]] = 1;
  }
  const out = new Uint8Array(n);
  const src = mask.data;
  for (let i = 0; i < n; i++) out[i] = src[i] !== 0 ? 1 : 0;
  for (let r = 0; r < holes.runs; r++) {
    const id = holes.label[r];
    if (touchesBorder[id] === 0 && holes.area[id] < maxHoleSize) fillRun(out, 1, holes.start[r], holes.end[r]);
  }
  return { width, height, data: out };
}
