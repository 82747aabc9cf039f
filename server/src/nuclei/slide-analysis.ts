/**
 * What the server fits once per slide version before any nucleus is computed: the stain
 * parameters (from tissue on a low-resolution level, so every compute tile is normalized
 * with the same matrix and colours do not jump at tile edges) and the tissue map a
 * whole-slide run takes its tiles from. Kept in the slide's memo.
 */
import { fitStain, throwIfAborted, type SlideReader, type StainParams } from '@nucleilens/pipeline';
import { SlideMemoKey, type SlideContext } from '../slide-context.js';
import { RegionTooLargeError } from '../http-errors.js';
import { detectTissue, TISSUE_MIN_OD, type TissueMap } from './tissue.js';

/** A slide's fitted stain parameters and tissue map. */
export interface SlideAnalysis {
  readonly stain: StainParams;
  readonly tissue: TissueMap;
  /** The pyramid level both come from. */
  readonly level: number;
  /** Time the fit took, ms. */
  readonly ms: number;
}

/** The memo key of {@link SlideAnalysis}. */
export const SLIDE_ANALYSIS = new SlideMemoKey<SlideAnalysis>('slide-analysis');

/** The level whose longer side is about this many px (or the nearest finer one) is analysed. */
export const ANALYSIS_SIDE = 2048;

/** Refuse to analyse a level above this many pixels (a pyramid with no low level). */
const MAX_ANALYSIS_PIXELS = 32_000_000;

/**
 * Reads the analysis level whole and fits stain and tissue on it.
 * @throws {RegionTooLargeError} when the slide has no level small enough; reader errors.
 * @example
 * const { stain, tissue } = await analyseSlide(reader);
 */
export async function analyseSlide(reader: SlideReader, signal?: AbortSignal): Promise<SlideAnalysis> {
  const started = performance.now();
  const { width, height } = reader.info;
  const level = reader.bestLevelForDownsample(Math.max(1, Math.max(width, height) / ANALYSIS_SIDE));
  const lv = reader.info.levels[level];
  if (lv.width * lv.height > MAX_ANALYSIS_PIXELS) {
    throw new RegionTooLargeError(
      `the slide's smallest usable level is ${lv.width}x${lv.height}; stain fitting needs a level under ${MAX_ANALYSIS_PIXELS} px (rewrite it with nucleilens convert)`,
    );
  }
  const rgb = await reader.readLevelRegion({ x: 0, y: 0, width: lv.width, height: lv.height }, level, signal);
  throwIfAborted(signal);
  const stain = fitStain(rgb, { minOd: TISSUE_MIN_OD });
  const tissue = { mask: detectTissue(rgb), downsample: lv.downsample };
  return { stain, tissue, level, ms: performance.now() - started };
}

/** The slide's analysis, computed once per slide version (concurrent callers share it). */
export function slideAnalysis(slide: SlideContext): Promise<SlideAnalysis> {
  // Not tied to one request's signal: the fit serves every later request of the slide.
  return slide.memo(SLIDE_ANALYSIS, () => analyseSlide(slide.reader));
}
