/**
 * The whole per-image pipeline: stain-normalize, predict (tiled), post-process, measure.
 * Every consumer (CLI, server, notebook) calls this one function. Node-only (runs the model).
 */
import type { LabelImage, ProbMapF32, RgbImage } from '../raster/types.js';
import type { StainParams } from '../stain/types.js';
import { postprocess, validatePostprocessParams, type PostprocessParams } from '../post/index.js';
import { measureNuclei, type NucleusInstance } from '../measure/index.js';
import type { UsenetModel } from '../model/load-model.js';
import { predictImage, type PredictImageOptions } from '../model/predict-image.js';
import { postprocessParamsForModel } from './model-postprocess-params.js';

/** Options of {@link segment}: tiling and stain as {@link PredictImageOptions}, plus the later stages. */
export interface SegmentOptions extends PredictImageOptions {
  /** Post-processing parameters. Default: the model card's recipe and thresholds (see `postprocessParamsForModel`). */
  readonly postprocess?: PostprocessParams;
  /** Microns per pixel of the image; adds µm measurements. */
  readonly micronsPerPixel?: number;
  /** Measure every nucleus (outline, shape, colour). Default true; evaluation needs labels only. */
  readonly measure?: boolean;
}

/** Wall-clock time of each stage, ms. */
export interface SegmentTimings {
  readonly predictMs: number;
  readonly postprocessMs: number;
  readonly measureMs: number;
}

/** What {@link segment} returns. */
export interface SegmentResult {
  /** Instance labels (Int32, 0 = background, 1..N), the image's size. */
  readonly labels: LabelImage;
  /** Nucleus-mask probability, float32, the image's size. */
  readonly mask: ProbMapF32;
  /** Shape-marker probability, float32, the image's size. */
  readonly marker: ProbMapF32;
  /** One entry per label, sorted by id; empty with `measure: false`. */
  readonly nuclei: NucleusInstance[];
  /** Source stain parameters used for normalization (`null` with `stain: 'none'`). */
  readonly stain: StainParams | null;
  /** The post-processing parameters applied. */
  readonly params: PostprocessParams;
  readonly tiles: number;
  readonly timings: SegmentTimings;
}

/**
 * Segments the nuclei of one RGB image: stain normalization (fitted on the image unless
 * given), tiled USE-Net inference, post-processing to instance labels, measurements.
 * @param model from `loadModel`
 * @param rgb RGB image (uint8, interleaved), any size >= 1x1
 * @throws {InvalidArgumentError} bad options; {@link ShapeError} malformed image;
 *   {@link AbortedError} when `signal` fires; {@link ModelError} when inference fails.
 * @example
 * const model = await loadModel();
 * const { labels, nuclei } = await segment(model, await readRgb('he.png'), { micronsPerPixel: 0.25 });
 */
export async function segment(model: UsenetModel, rgb: RgbImage, options: SegmentOptions = {}): Promise<SegmentResult> {
  const params = options.postprocess ?? postprocessParamsForModel(model.card);
  validatePostprocessParams(params);
  const t0 = performance.now();
  const { mask, marker, stain, tiles } = await predictImage(model, rgb, options);
  const t1 = performance.now();
  const labels = postprocess(mask, marker, params);
  const t2 = performance.now();
  const nuclei =
    options.measure === false
      ? []
      : measureNuclei(labels, { image: rgb, stain: stain ?? undefined, micronsPerPixel: options.micronsPerPixel });
  const t3 = performance.now();
  return {
    labels,
    mask,
    marker,
    nuclei,
    stain,
    params,
    tiles,
    timings: { predictMs: t1 - t0, postprocessMs: t2 - t1, measureMs: t3 - t2 },
  };
}
