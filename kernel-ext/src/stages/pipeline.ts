/** All stages in order, keeping every intermediate. */
import type { LabelImage } from '@nucleilens/pipeline';
import { PipelineRun } from '../views/pipeline-run.js';
import type { Picture } from '../views/picture.js';
import type { Segmentation } from '../views/segmentation.js';
import type { Slide } from '../views/slide.js';
import { asPicture, evaluate, infer, measure, normalize, postprocess, type InferOptions, type NormalizeOptions } from './stages.js';
import type { PostprocessChoice } from './params-choice.js';

/** Options of {@link pipeline}: each stage's options, and ground truth to score against. */
export interface PipelineOptions extends InferOptions, NormalizeOptions {
  readonly params?: PostprocessChoice;
  readonly groundTruth?: Segmentation | LabelImage;
}

/**
 * Runs normalize → infer → postprocess → measure (→ evaluate when ground truth is given)
 * on a picture or a whole slide and keeps each stage's output.
 * @example
 * const run = await pipeline(pic, { groundTruth: gt });
 * run.stages.probabilities; // shows the maps
 */
export async function pipeline(image: Picture | Slide, options: PipelineOptions = {}): Promise<PipelineRun> {
  const picture = await asPicture(image);
  const normalized = await normalize(picture, options);
  const probabilities = await infer(normalized, options);
  const segmentation = await postprocess(probabilities, options.params);
  const measurements = await measure(segmentation);
  const scores = options.groundTruth ? await evaluate(segmentation, options.groundTruth) : undefined;
  return new PipelineRun({ picture, normalized, probabilities, segmentation, measurements, scores });
}
