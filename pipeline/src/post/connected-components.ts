/**
 * Connected-component labelling of a binary mask.
 * Browser-safe: no Node built-ins.
 */
import type { BinaryMask, Connectivity, LabelImage } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';
import { assertConnectivity } from './neighbourhood.js';
import { fillRun, labelRuns } from './run-labelling.js';

/** Labels plus how many there are (ids are exactly 1..count). */
export interface CountedLabels {
  readonly labels: LabelImage;
  readonly count: number;
}

/**
 * Labels the connected components of `mask` 1..N, numbered in raster order of each
 * component's first pixel (scikit-image's `label` order; MATLAB's `bwlabel` numbers in
 * column order instead), and returns how many there are.
 * @param mask width x height, uint8; any non-zero pixel is foreground.
 * @param connectivity 4 (edge neighbours) or 8 (edges and corners). Default 8.
 * @throws {ShapeError} when `mask.data` does not hold width x height elements.
 * @throws {InvalidArgumentError} when connectivity is not 4 or 8.
 * @example
 * const { labels, count } = countComponents({ width: 3, height: 1, data: Uint8Array.of(1, 0, 1) });
 * // count === 2, labels.data = [1, 0, 2]
 */
export function countComponents(mask: BinaryMask, connectivity: Connectivity = 8): CountedLabels {
  assertRasterShape('mask', mask);
  assertConnectivity('connectivity', connectivity);
  const comps = labelRuns(mask, connectivity);
  const data = new Int32Array(mask.width * mask.height);
  for (let r = 0; r < comps.runs; r++) fillRun(data, comps.label[r], comps.start[r], comps.end[r]);
  return { labels: { width: mask.width, height: mask.height, data }, count: comps.count };
}

/**
 * Labels the connected components of `mask` 1..N in raster order of each component's
 * first pixel (see {@link countComponents}, which also returns N).
 * @param mask width x height, uint8; any non-zero pixel is foreground.
 * @param connectivity 4 or 8. Default 8 (MATLAB `bwlabel`'s default).
 * @returns a new Int32 label image of the same size; 0 is background.
 * @throws {ShapeError} when `mask.data` does not hold width x height elements.
 * @throws {InvalidArgumentError} when connectivity is not 4 or 8.
 * @example
 * // a diagonal pair: one object with 8-connectivity, two with 4
 * const diag = { width: 2, height: 2, data: Uint8Array.of(1, 0, 0, 1) };
 * connectedComponents(diag, 8).data; // [1, 0, 0, 1]
 * connectedComponents(diag, 4).data; // [1, 0, 0, 2]
 */
export function connectedComponents(mask: BinaryMask, connectivity: Connectivity = 8): LabelImage {
  return countComponents(mask, connectivity).labels;
}

/**
 * Pixel count of every label 0..maxLabel (index = label id; index 0 counts background).
 * Negative ids and ids above maxLabel are not counted.
 */
export function labelAreas(labels: Int32Array, maxLabel: number): Int32Array {
  const areas = new Int32Array(maxLabel + 1);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v >= 0 && v <= maxLabel) areas[v]++;
  }
  return areas;
}
