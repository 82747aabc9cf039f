/**
 * Post-processing: from probability maps to instance labels, and the morphology it is made
 * of. Browser-safe (no Node built-ins); published as `@nucleilens/pipeline/post`.
 */
export { connectedComponents, countComponents, type CountedLabels } from './connected-components.js';
export { removeSmallObjects, removeSmallInstances } from './remove-small-objects.js';
export { fillHoles } from './fill-holes.js';
export { euclideanDistanceTransform } from './distance-transform.js';
export { watershed, plateauWatershedLines, type SeedRuns, type WatershedOptions } from './watershed.js';
export { dilateLabels, type DilateLabelsOptions } from './dilate-labels.js';
export { buildElevation } from './elevation.js';
export {
  PAPER_PARAMS,
  DEFAULT_PARAMS,
  ELEVATION_KINDS,
  validatePostprocessParams,
  resolvePostprocessParams,
  type ElevationKind,
  type CommonPostprocessParams,
  type PaperPostprocessParams,
  type DefaultPostprocessParams,
  type PostprocessParams,
  type PostprocessOverrides,
  type RecipeName,
} from './postprocess-params.js';
export { postprocess, postprocessWithRuns, computeMarkerCut, type PostprocessReuse } from './postprocess.js';
export type { LabelRuns } from './run-labelling.js';
export { markerCutKey, type MarkerCut } from './recipe-paper.js';
