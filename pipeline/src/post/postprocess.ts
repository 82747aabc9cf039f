/**
 * From the network's two probability maps to instance labels.
 * Browser-safe: no Node built-ins.
 */
import type { LabelImage, ProbMap } from '../raster/types.js';
import { assertRasterShape, assertSameSize } from '../raster/create.js';
import { validatePostprocessParams, type PostprocessParams } from './postprocess-params.js';
import { postprocessDefault } from './recipe-default.js';
import { postprocessPaper } from './recipe-paper.js';

/**
 * Turns a nucleus-mask probability map and a shape-marker probability map (USE-Net's two
 * outputs) into instance labels, by the recipe `params.recipe` names with every number
 * taken from `params` (start from {@link PAPER_PARAMS} or {@link DEFAULT_PARAMS}).
 * @param mask width x height nucleus probability, uint8 (p x 255) or float32.
 * @param marker width x height shape-marker probability, same size, either representation.
 * @param params a validated recipe; see {@link PostprocessParams}.
 * @returns a new Int32 label image, ids 1..N, 0 = background.
 * @throws {ShapeError} when the maps differ in size or their data lengths are wrong.
 * @throws {InvalidArgumentError} for an unknown recipe or an out-of-range parameter.
 * @example
 * const labels = postprocess(maskProb, markerProb, { ...DEFAULT_PARAMS, maskThreshold: 0.3 });
 */
export function postprocess(mask: ProbMap, marker: ProbMap, params: PostprocessParams): LabelImage {
  assertRasterShape('mask', mask);
  assertRasterShape('marker', marker);
  assertSameSize('mask', mask, 'marker', marker);
  validatePostprocessParams(params);
  switch (params.recipe) {
    case 'paper':
      return postprocessPaper(mask, marker, params);
    case 'default':
      return postprocessDefault(mask, marker, params);
  }
}
