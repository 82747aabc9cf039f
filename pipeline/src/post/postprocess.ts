/**
 * From the network's two probability maps to instance labels.
 * Browser-safe: no Node built-ins.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { LabelImage, ProbMap } from '../raster/types.js';
import { assertRasterShape, assertSameSize } from '../raster/create.js';
import { validatePostprocessParams, type PostprocessParams } from './postprocess-params.js';
import { postprocessDefault } from './recipe-default.js';
import { markerCutKey, paperMarkerCut, postprocessPaper, type MarkerCut } from './recipe-paper.js';
import type { LabelRuns } from './run-labelling.js';

/** What an earlier run leaves for {@link postprocess} to reuse: a stage it skips, memory it writes into. */
export interface PostprocessReuse {
  /** The paper recipe's marker stage, from {@link computeMarkerCut} (or a run with the same {@link markerCutKey}). */
  readonly markerCut?: MarkerCut;
  /**
   * Memory for the label image, for a caller that runs many times (a tuning worker): the
   * paper recipe without dilation writes its labels into the first width x height elements
   * when the buffer holds that many, and the returned image is a view of it, valid until the
   * buffer is written again. Other recipes allocate. In browsers a fresh multi-megabyte typed
   * array costs several milliseconds, a tenth of a slider step.
   */
  readonly labelBuffer?: Int32Array;
}

function checkInputs(mask: ProbMap, marker: ProbMap, params: PostprocessParams): void {
  assertRasterShape('mask', mask);
  assertRasterShape('marker', marker);
  assertSameSize('mask', mask, 'marker', marker);
  validatePostprocessParams(params);
}

/**
 * The stage of `params`' recipe that does not depend on the mask threshold (the paper
 * recipe's watershed lines between markers), to pass back to {@link postprocess} while only
 * mask parameters change: a threshold slider then re-runs a few linear passes instead of
 * the watershed. Undefined when the recipe has none ({@link markerCutKey}).
 * @throws {ShapeError} when the maps differ in size; {@link InvalidArgumentError} for bad parameters.
 * @example
 * const markerCut = computeMarkerCut(mask, marker, params);
 * for (const t of [0.3, 0.35, 0.4]) postprocess(mask, marker, { ...params, maskThreshold: t }, { markerCut });
 */
export function computeMarkerCut(mask: ProbMap, marker: ProbMap, params: PostprocessParams): MarkerCut | undefined {
  checkInputs(mask, marker, params);
  return params.recipe === 'paper' && markerCutKey(params) !== undefined ? paperMarkerCut(mask, marker, params) : undefined;
}

function checkReuse(mask: ProbMap, params: PostprocessParams, reuse: PostprocessReuse): MarkerCut | undefined {
  const cut = reuse.markerCut;
  if (!cut) return undefined;
  const key = markerCutKey(params);
  if (cut.key !== key) throw new InvalidArgumentError(`markerCut was computed for "${cut.key}", these parameters need "${String(key)}"`);
  if (cut.width !== mask.width || cut.height !== mask.height) {
    throw new InvalidArgumentError(`markerCut is ${cut.width}x${cut.height}, the maps are ${mask.width}x${mask.height}`);
  }
  return cut;
}

/**
 * Turns a nucleus-mask probability map and a shape-marker probability map (USE-Net's two
 * outputs) into instance labels, by the recipe `params.recipe` names with every number
 * taken from `params` (start from {@link PAPER_PARAMS} or {@link DEFAULT_PARAMS}).
 * @param mask width x height nucleus probability, uint8 (p x 255) or float32.
 * @param marker width x height shape-marker probability, same size, either representation.
 * @param params a validated recipe; see {@link PostprocessParams}.
 * @param reuse stages of an earlier run over the same maps (see {@link computeMarkerCut});
 *   the result is the same as without them.
 * @returns an Int32 label image, ids 1..N, 0 = background: new, or a view of `reuse.labelBuffer`.
 * @throws {ShapeError} when the maps differ in size or their data lengths are wrong.
 * @throws {InvalidArgumentError} for an unknown recipe, an out-of-range parameter, or a
 *   reused stage computed with other parameters or for maps of another size.
 * @example
 * const labels = postprocess(maskProb, markerProb, { ...DEFAULT_PARAMS, maskThreshold: 0.3 });
 */
export function postprocess(mask: ProbMap, marker: ProbMap, params: PostprocessParams, reuse: PostprocessReuse = {}): LabelImage {
  return postprocessWithRuns(mask, marker, params, reuse).labels;
}

/**
 * {@link postprocess}, also handing back the labels' runs where the recipe built them (the
 * paper recipe without dilation), so measurement need not find them again in the pixels.
 * @example
 * const { labels, runs } = postprocessWithRuns(maskProb, markerProb, { ...PAPER_PARAMS, dilateRadius: 0 });
 * const nuclei = measureNuclei(labels, { runs });
 */
export function postprocessWithRuns(
  mask: ProbMap,
  marker: ProbMap,
  params: PostprocessParams,
  reuse: PostprocessReuse = {},
): { labels: LabelImage; runs?: LabelRuns } {
  checkInputs(mask, marker, params);
  const markerCut = checkReuse(mask, params, reuse);
  switch (params.recipe) {
    case 'paper':
      return postprocessPaper(mask, marker, params, markerCut, reuse.labelBuffer);
    case 'default':
      return { labels: postprocessDefault(mask, marker, params) };
  }
}
