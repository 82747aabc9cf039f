/** The per-image pipeline (normalize, predict, post-process, measure). Node-only. */
export { segment, type SegmentOptions, type SegmentResult, type SegmentTimings } from './segment.js';
export { postprocessParamsForModel } from './model-postprocess-params.js';
