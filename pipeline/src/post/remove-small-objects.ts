/**
 * Dropping objects below an area bound, for binary masks (MATLAB `bwareaopen`,
 * scikit-image `remove_small_objects`) and for label images.
 * Browser-safe: no Node built-ins.
 */
import type { BinaryMask, Connectivity, LabelImage } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';
import { labelAreas } from './connected-components.js';
import { assertConnectivity, assertSizeBound } from './neighbourhood.js';
import { fillRun, labelRuns } from './run-labelling.js';

/**
 * Removes the connected components of `mask` whose area (pixel count) is strictly below
 * `minSize`; `minSize` 50 keeps an object of exactly 50 pixels, as `bwareaopen(bw, 50)` does.
 * @param mask width x height, uint8; any non-zero pixel is foreground.
 * @param minSize area bound in pixels, >= 0 (0 or 1 keep everything).
 * @param connectivity how objects are connected: 4 or 8. Default 8.
 * @returns a new 0/1 mask of the same size.
 * @throws {ShapeError} when `mask.data` does not hold width x height elements.
 * @throws {InvalidArgumentError} for a negative `minSize` or a connectivity other than 4/8.
 * @example
 * const m = { width: 4, height: 1, data: Uint8Array.of(1, 0, 1, 1) };
 * removeSmallObjects(m, 2).data; // [0, 0, 1, 1]
 */
export function removeSmallObjects(mask: BinaryMask, minSize: number, connectivity: Connectivity = 8): BinaryMask {
  assertRasterShape('mask', mask);
  assertSizeBound('minSize', minSize);
  assertConnectivity('connectivity', connectivity);
  const comps = labelRuns(mask, connectivity);
  const out = new Uint8Array(mask.data.length);
  for (let r = 0; r < comps.runs; r++) {
    if (comps.area[comps.label[r]] >= minSize) fillRun(out, 1, comps.start[r], comps.end[r]);
  }
  return { width: mask.width, height: mask.height, data: out };
}

/**
 * Sets to 0 every label whose area (pixel count, whether or not its pixels are connected)
 * is strictly below `minSize`. Surviving ids are unchanged.
 * @param labels width x height, Int32 ids (0 = background, ids >= 0).
 * @param minSize area bound in pixels, >= 0.
 * @returns a new label image of the same size.
 * @throws {ShapeError} when `labels.data` does not hold width x height elements.
 * @throws {InvalidArgumentError} for a negative `minSize`.
 * @example
 * removeSmallInstances({ width: 3, height: 1, data: Int32Array.of(4, 7, 7) }, 2).data; // [0, 7, 7]
 */
export function removeSmallInstances(labels: LabelImage, minSize: number): LabelImage {
  assertRasterShape('labels', labels);
  assertSizeBound('minSize', minSize);
  const src = labels.data;
  const out = new Int32Array(src.length);
  let max = 0;
  for (let i = 0; i < src.length; i++) if (src[i] > max) max = src[i];
  // Dense counting is the fast path; sparse ids (e.g. hashed tile ids) fall back to a Map.
  if (max <= 4 * src.length + 1024) {
    const areas = labelAreas(src, max);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (v > 0 && areas[v] >= minSize) out[i] = v;
    }
  } else {
    const areas = new Map<number, number>();
    for (let i = 0; i < src.length; i++) if (src[i] > 0) areas.set(src[i], (areas.get(src[i]) ?? 0) + 1);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (v > 0 && (areas.get(v) ?? 0) >= minSize) out[i] = v;
    }
  }
  return { width: labels.width, height: labels.height, data: out };
}
