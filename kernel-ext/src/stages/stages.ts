/**
 * The pipeline's stages as notebook calls. Each takes the previous stage's value, runs the
 * pipeline's own stage function (no second implementation here), times it, and returns a
 * value that displays itself: open → region → normalize → infer → postprocess → measure →
 * evaluate.
 */
import { basename } from 'node:path';
import {
  DEFAULT_STAIN_TARGET,
  InvalidArgumentError,
  evaluate as evaluateLabels,
  fitStain,
  measureNuclei,
  normalizeStain,
  openSlide,
  postprocess as postprocessMaps,
  postprocessParamsForModel,
  predictImage,
  type LabelImage,
  type Rect,
  type StainParams,
} from '@nucleilens/pipeline';
import { Measurements } from '../views/measurements.js';
import { Picture } from '../views/picture.js';
import { Probabilities } from '../views/probabilities.js';
import { Scores } from '../views/scores.js';
import { Segmentation } from '../views/segmentation.js';
import { Slide } from '../views/slide.js';
import { currentModel, describeModel, useModel } from './model-choice.js';
import { resolveChoice, type PostprocessChoice } from './params-choice.js';
import { runStage } from './stage-run.js';

/** A whole slide read as one picture must stay under this many pixels; use region() beyond. */
export const MAX_WHOLE_PIXELS = 25_000_000;

/** Options of {@link open}. */
export interface OpenOptions {
  /** Microns per pixel when the file does not say (MoNuSeg PNGs: 0.25). */
  readonly mpp?: number;
  /** Display name; default the file name. */
  readonly name?: string;
}

/**
 * Opens an image or a slide (pyramidal TIFF, SVS, OME-TIFF, PNG/JPEG) and shows its thumbnail.
 * @throws {NotFoundError} missing file; {@link UnsupportedFormatError} unreadable format.
 * @example
 * const slide = await open('../../shared/data/monuseg/test/images/TCGA-2Z-A9J9-01A-01-TS1.png', { mpp: 0.25 });
 */
export async function open(path: string, options: OpenOptions = {}): Promise<Slide> {
  const { value } = await runStage('open', async () => {
    const reader = await openSlide(path);
    return Slide.create(reader, options.name ?? basename(path), reader.info.mpp ?? options.mpp);
  });
  return value;
}

/**
 * Reads a rectangle of a slide at full resolution (level-0 px, half-open); the whole slide
 * when `rect` is left out.
 * @throws {InvalidArgumentError} for a whole slide over {@link MAX_WHOLE_PIXELS};
 *   reader errors as {@link SlideReader.readRegion}.
 * @example
 * const tile = await region(slide, { x: 2048, y: 1024, width: 1024, height: 1024 });
 */
export async function region(slide: Slide, rect?: Rect): Promise<Picture> {
  const r = rect ?? { x: 0, y: 0, width: slide.width, height: slide.height };
  const { value, timing } = await runStage('region', async () => {
    if (!rect && slide.width * slide.height > MAX_WHOLE_PIXELS) {
      throw new InvalidArgumentError(
        `${slide.name} is ${slide.width}x${slide.height} px, too large to read whole; pass a rectangle: region(slide, { x, y, width, height })`,
      );
    }
    return slide.reader.readRegion(r, 0);
  });
  const name = rect ? `${slide.name} [${r.x},${r.y} ${r.width}x${r.height}]` : slide.name;
  return Picture.create(value, { name, mpp: slide.mpp, origin: { x: r.x, y: r.y }, timing });
}

/** A slide becomes its whole level-0 picture; a picture stays as it is. */
export async function asPicture(image: Picture | Slide): Promise<Picture> {
  return image instanceof Slide ? region(image) : image;
}

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** Source stain parameters (e.g. fitted once for the slide); default: fitted on this picture. */
  readonly stain?: StainParams;
  /** Target appearance; default the model's training target ({@link DEFAULT_STAIN_TARGET}). */
  readonly target?: StainParams;
}

/**
 * Stain-normalizes a picture (Vahadane fit, SPCN apply) to the appearance the model was
 * trained on.
 * @example
 * const norm = await normalize(tile);
 */
export async function normalize(image: Picture | Slide, options: NormalizeOptions = {}): Promise<Picture> {
  const pic = await asPicture(image);
  if (pic.normalized) throw new InvalidArgumentError(`${pic.info.name} is already stain-normalized`);
  const { value, timing } = await runStage('normalize', () => {
    const stain = options.stain ?? fitStain(pic.rgb);
    return { stain, rgb: normalizeStain(stain, options.target ?? DEFAULT_STAIN_TARGET.vahadane, pic.rgb) };
  });
  return Picture.create(value.rgb, { ...pic.info, stain: value.stain, timing });
}

/** Options of {@link infer}. */
export interface InferOptions {
  /** Model name or path; default the kernel's current model (see useModel). */
  readonly model?: string;
  /** Core tile side and halo (px, multiples of 32); default the model card's. */
  readonly tile?: number;
  readonly halo?: number;
}

/**
 * Runs the network on a picture: a normalized picture is fed as it is; any other is
 * stain-normalized on the way (as `predictImage` does).
 * @throws {ModelError} when inference fails; {@link NotFoundError} for an unknown model.
 * @example
 * const probs = await infer(norm);
 */
export async function infer(image: Picture | Slide, options: InferOptions = {}): Promise<Probabilities> {
  const pic = await asPicture(image);
  const model = options.model ? await useModel(options.model) : await currentModel();
  const { value, timing } = await runStage('infer', () =>
    predictImage(model, pic.rgb, { stain: pic.normalized ? 'none' : 'fit', tile: options.tile, halo: options.halo }),
  );
  return Probabilities.create(value.mask, value.marker, {
    source: describeModel(model),
    picture: pic,
    defaults: postprocessParamsForModel(model.card),
    timing,
  });
}

/**
 * Post-processes probability maps into instance labels with the maps' default parameters
 * (model card, or the authors' recipe for reference maps) and `choice` on top; naming another
 * recipe starts from that recipe's defaults.
 * @throws {InvalidArgumentError} for an unknown recipe or an out-of-range number; {@link InvalidArgumentError}
 *   when the maps carry no picture to draw on.
 * @example
 * const seg = await postprocess(probs, { maskThreshold: 0.3 });
 */
export async function postprocess(probs: Probabilities, choice: PostprocessChoice = {}): Promise<Segmentation> {
  const picture = probs.info.picture;
  if (!picture) throw new InvalidArgumentError('these probabilities carry no picture to draw the labels on');
  const { value, timing } = await runStage('postprocess', () => {
    const params = resolveChoice(probs, choice);
    return { params, labels: postprocessMaps(probs.mask, probs.marker, params) };
  });
  return Segmentation.create(value.labels, { kind: 'prediction', picture, params: value.params, probabilities: probs, timing });
}

/**
 * Measures every nucleus (area, perimeter, eccentricity, solidity, hematoxylin density; µm
 * figures when µm/px is known; geometry in slide px via the picture's origin).
 * @example
 * const m = await measure(seg); m.histogram('areaUm2');
 */
export async function measure(seg: Segmentation): Promise<Measurements> {
  const pic = seg.info.picture;
  const { value, timing } = await runStage('measure', () =>
    measureNuclei(seg.labels, {
      image: pic.rgb,
      // Normalized pixels follow the target's stains; raw pixels are unmixed with their own fit.
      stain: pic.normalized ? DEFAULT_STAIN_TARGET.vahadane : fitStain(pic.rgb),
      micronsPerPixel: pic.info.mpp,
      offset: pic.info.origin,
    }),
  );
  return new Measurements(value, seg, timing);
}

/**
 * Scores a segmentation against ground truth: AJI, Dice, PQ, detection F1.
 * @throws {ShapeError} when the sizes differ.
 * @example
 * const s = await evaluate(seg, gt);
 */
export async function evaluate(seg: Segmentation, groundTruth: Segmentation | LabelImage): Promise<Scores> {
  const gt = groundTruth instanceof Segmentation ? groundTruth.labels : groundTruth;
  const { value, timing } = await runStage('evaluate', () => evaluateLabels(gt, seg.labels));
  return new Scores(value, seg.info.picture.info.name, timing);
}
