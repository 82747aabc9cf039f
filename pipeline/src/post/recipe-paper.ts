/**
 * The USE-Net authors' post-processing recipe, in two stages so a caller tuning the mask
 * threshold can keep the costly one (the marker watershed) between runs.
 * Browser-safe: no Node built-ins.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { BinaryMask, LabelImage, ProbMap } from '../raster/types.js';
import { exceedLevel, thresholdProb } from '../raster/create.js';
import { countComponents, type CountedLabels } from './connected-components.js';
import { dilateLabels } from './dilate-labels.js';
import { buildElevation } from './elevation.js';
import type { PaperPostprocessParams, PostprocessParams } from './postprocess-params.js';
import { removeSmallObjects } from './remove-small-objects.js';
import { complementRuns, fillRun, grow, mergeRuns, uniteRuns, type LabelRuns, type RunComponents, type Runs } from './run-labelling.js';
import { plateauWatershedLines, watershed, type SeedRuns } from './watershed.js';

/**
 * Where the paper recipe's watershed lines between marker basins run over one pair of
 * maps: the stage of the recipe that the mask threshold does not reach (for every elevation
 * but `'mask-distance'`), and about half of its cost.
 */
export interface MarkerCut {
  /** {@link markerCutKey} of the parameters it was computed with; reusable only under the same key. */
  readonly key: string;
  readonly width: number;
  readonly height: number;
  /**
   * Flat indices (y * width + x, ascending) of the watershed-line pixels: thin curves, a
   * few per cent of the pixels, so cutting and caching cost little. Undefined when no marker
   * survived, so nothing is cut.
   */
  readonly lines: Int32Array | undefined;
}

/**
 * What a {@link MarkerCut} depends on, as a string: equal keys (over the same maps) give the
 * same cut. Undefined when the recipe has no stage independent of the mask threshold (the
 * `default` recipe floods inside the mask; `'mask-distance'` is built from the mask).
 * @example
 * markerCutKey(PAPER_PARAMS); // 'marker-complement|0.1|20'
 */
export function markerCutKey(params: PostprocessParams): string | undefined {
  if (params.recipe !== 'paper' || params.elevation === 'mask-distance') return undefined;
  return `${params.elevation}|${params.markerThreshold}|${params.minMarkerArea}`;
}

function cleanMask(mask: ProbMap, params: PaperPostprocessParams): BinaryMask {
  return removeSmallObjects(thresholdProb(mask, params.maskThreshold), params.minNucleusArea, 8);
}

function cutLines(mask: ProbMap, marker: ProbMap, maskBin: BinaryMask, params: PaperPostprocessParams): Int32Array | undefined {
  if (params.elevation === 'marker-complement') {
    // The threshold straight to runs and its components once: dropping the small ones leaves
    // the others as they are, and the flood needs only which seeds share an id.
    const components = uniteRuns(cutRuns(marker, params.markerThreshold, undefined), marker.width, 8);
    const seeds = componentRuns(components, (area) => area >= params.minMarkerArea);
    if (seeds.runs === 0) return undefined;
    return plateauWatershedLines(seeds, marker.width, marker.height);
  }
  const markerBin = removeSmallObjects(thresholdProb(marker, params.markerThreshold), params.minMarkerArea, 8);
  const seeds = countComponents(markerBin, 8);
  if (seeds.count === 0) return undefined;
  const elevation = buildElevation(params.elevation, mask, maskBin, markerBin);
  // Lines computed with 8-neighbours leave no diagonal contact between basins, so the
  // 8-connected labelling that follows cannot leak across a cut.
  const basins = watershed(elevation, seeds.labels, { connectivity: 8, watershedLine: true }).data;
  let count = 0;
  for (let i = 0; i < basins.length; i++) if (basins[i] === 0) count++;
  const lines = new Int32Array(count);
  for (let i = 0, k = 0; i < basins.length; i++) if (basins[i] === 0) lines[k++] = i;
  return lines;
}

/**
 * The marker stage of the paper recipe alone (step 2 of {@link postprocessPaper}), for
 * {@link postprocess}'s `reuse` option. Inputs are validated by the caller.
 * @throws {InvalidArgumentError} when the parameters have no such stage ({@link markerCutKey} is undefined).
 */
export function paperMarkerCut(mask: ProbMap, marker: ProbMap, params: PaperPostprocessParams): MarkerCut {
  const key = markerCutKey(params);
  if (key === undefined) throw new InvalidArgumentError(`elevation "${params.elevation}" depends on the mask: its cut cannot be kept apart`);
  // No elevation with a key reads the cleaned mask; an empty one stands in for it.
  const unused = { width: mask.width, height: mask.height, data: new Uint8Array(0) };
  return { key, width: mask.width, height: mask.height, lines: cutLines(mask, marker, unused, params) };
}

/**
 * Runs being collected: `start`/`end` grow as {@link cutRow} fills them. A class of its
 * own, never handed on: a mutated object of the shape other run lists share sent the
 * worker's optimized code for those back to the interpreter ("wrong map", traced in chromium).
 */
class RunBuilder {
  runs = 0;
  start: Int32Array = new Int32Array(4096);
  end: Int32Array = new Int32Array(4096);
}

/**
 * Steps 1 and 2 straight to runs: the mask pixels strictly above `threshold` (as
 * {@link thresholdProb} decides), less the cut-line pixels (`lines`, ascending).
 */
function cutRuns(mask: ProbMap, threshold: number, lines: Int32Array | undefined): Runs {
  const { width, height, data } = mask;
  const above = exceedLevel(mask, threshold);
  const cuts = lines ?? new Int32Array(0);
  const out = new RunBuilder();
  // One call per row, not the scan inlined here: browsers optimize a function with a hot
  // inner loop on stack replacement and throw that code away at every loop exit, which
  // measured ~3 deoptimizations per tile and slower scans in the viewer's worker.
  for (let y = 0, k = 0; y < height; y++) k = cutRow(data, y * width, (y + 1) * width, above, cuts, k, out);
  return { runs: out.runs, start: out.start, end: out.end };
}

/**
 * The runs of one row (`[x, rowEnd)`, flat indices) above `above`, split at the cut pixels,
 * appended to `out`.
 * @param k index of the first cut not before the row
 * @returns the index of the first cut not before the next row
 */
function cutRow(data: ProbMap['data'], x: number, rowEnd: number, above: number, cuts: Int32Array, k: number, out: RunBuilder): number {
  for (;;) {
    while (x < rowEnd && !(data[x] > above)) x++;
    if (x >= rowEnd) return k;
    let a = x;
    while (x < rowEnd && data[x] > above) x++;
    while (k < cuts.length && cuts[k] < a) k++;
    for (; k < cuts.length && cuts[k] < x; k++) {
      if (cuts[k] > a) appendRun(out, a, cuts[k]);
      a = cuts[k] + 1;
    }
    if (a < x) appendRun(out, a, x);
  }
}

function appendRun(out: RunBuilder, a: number, b: number): void {
  if (out.runs === out.start.length) {
    out.start = grow(out.start);
    out.end = grow(out.end);
  }
  out.start[out.runs] = a;
  out.end[out.runs++] = b;
}

/** The runs of the components whose area `keep` accepts, in raster order, with their component ids. */
function componentRuns(c: RunComponents, keep: (area: number) => boolean): SeedRuns {
  const start = new Int32Array(c.runs);
  const end = new Int32Array(c.runs);
  const label = new Int32Array(c.runs);
  let n = 0;
  for (let r = 0; r < c.runs; r++) {
    if (!keep(c.area[c.label[r]])) continue;
    start[n] = c.start[r];
    end[n] = c.end[r];
    label[n++] = c.label[r];
  }
  return { runs: n, start, end, label };
}

/**
 * Steps 3 to 5 on runs, never on pixels until the labels are written: drop objects under
 * `minArea` (8-connected), fill every 8-connected background piece under `maxHole`, border
 * or not (MATLAB `1 - bwareaopen(1 - bw, n)`), and label 8-connected in raster order.
 */
function cleanFillLabel(
  cut: Runs,
  width: number,
  height: number,
  minArea: number,
  maxHole: number,
  into?: Int32Array,
): CountedLabels & { readonly runs: LabelRuns } {
  const foreground = componentRuns(uniteRuns(cut, width, 8), (area) => area >= minArea);
  const background = uniteRuns(complementRuns(foreground, width, height), width, 8);
  const holes = componentRuns(background, (area) => area < maxHole);
  const filled = uniteRuns(mergeRuns(foreground, holes, width), width, 8);
  const data = into ? into.fill(0) : new Int32Array(width * height);
  for (let r = 0; r < filled.runs; r++) fillRun(data, filled.label[r], filled.start[r], filled.end[r]);
  // mergeRuns joins abutting runs and 8-connected labelling gives a row run one label, so
  // these are the labels' maximal runs.
  return { labels: { width, height, data }, count: filled.count, runs: filled };
}

/**
 * Grows the labels by the disk as the authors' loop does: label after label in MATLAB
 * `bwlabel` order (column-major order of each object's first pixel), each overwriting the
 * earlier ones, so where two grown objects meet, the later one in that order wins. That is
 * a grey-level dilation of the labels' column-major ranks; the output keeps `labels`' ids.
 */
function dilateInMatlabOrder(labels: CountedLabels, radius: number): LabelImage {
  const { width, height, data } = labels.labels;
  // The labels are this recipe's own, so nothing to grow means nothing to copy.
  if (radius === 0 || labels.count === 0) return labels.labels;
  // Each object's first pixel in column-major order: smallest x * height + y.
  const first = new Float64Array(labels.count + 1).fill(Infinity);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const v = data[i];
      if (v !== 0 && x * height + y < first[v]) first[v] = x * height + y;
    }
  }
  const byColumn = Array.from({ length: labels.count }, (_, k) => k + 1).sort((a, b) => first[a] - first[b]);
  const rankOf = new Int32Array(labels.count + 1);
  const idOfRank = new Int32Array(labels.count + 1);
  byColumn.forEach((id, k) => {
    rankOf[id] = k + 1;
    idOfRank[k + 1] = id;
  });
  const ranks = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) ranks[i] = rankOf[data[i]];
  const grown = dilateLabels({ width, height, data: ranks }, radius, { overlap: 'max' }).data;
  for (let i = 0; i < grown.length; i++) grown[i] = idOfRank[grown[i]];
  return { width, height, data: grown };
}

/**
 * Rahmon et al.'s MATLAB post-processing, step for step as their released script does it
 * (github.com/CIVA-Lab/USE-Net, Postprocessing/postProcessing.m; Rahmon et al., "Extending
 * U-Net Network for Improved Nuclei Instance Segmentation Accuracy in Histopathology
 * Images", AIPR 2021, DOI 10.1109/AIPR52630.2021.9762215):
 * 1. threshold both maps (strictly above, `im2bw`) and drop mask objects under
 *    `minNucleusArea` and marker objects under `minMarkerArea` (8-connected, `bwareaopen`);
 * 2. flood the elevation from the marker components over the whole image with
 *    8-neighbour watershed lines (`watershed(~marker)`, i.e. `'marker-complement'`) and
 *    clear the mask on the lines; with no marker at all nothing is cut;
 * 3. drop mask objects under `minNucleusArea` again (cuts leave slivers);
 * 4. fill background pieces under `maxHoleArea` (8-connected, including pieces at the
 *    border: `1 - bwareaopen(1 - mask, n)`);
 * 5. label 8-connected (`bwlabel`) and dilate every label by the disk, each label in turn
 *    overwriting earlier ones in `bwlabel`'s column-major order (a grey-level dilation of
 *    the labels' column-major ranks).
 * Inputs are already validated by {@link postprocess}, including that `markerCut`, when
 * given, is step 2's result for these maps and parameters.
 * @returns labels 1..N (raster order), Int32, and without dilation their runs.
 */
export function postprocessPaper(
  mask: ProbMap,
  marker: ProbMap,
  params: PaperPostprocessParams,
  markerCut?: MarkerCut,
  labelBuffer?: Int32Array,
): { labels: LabelImage; runs?: LabelRuns } {
  const lines = markerCut
    ? markerCut.lines
    : markerCutKey(params) !== undefined
      ? paperMarkerCut(mask, marker, params).lines
      : cutLines(mask, marker, cleanMask(mask, params), params);
  // Steps 1 and 3 in one: every piece of a cut object lies inside it, so a piece of an object
  // under the bound is under it too, and dropping small objects before cutting changes nothing.
  const { width, height } = mask;
  const pixels = width * height;
  // Dilation writes a new image anyway; without it the labels may go straight into the buffer.
  const into = params.dilateRadius === 0 && labelBuffer && labelBuffer.length >= pixels ? labelBuffer.subarray(0, pixels) : undefined;
  const labels = cleanFillLabel(cutRuns(mask, params.maskThreshold, lines), width, height, params.minNucleusArea, params.maxHoleArea, into);
  return params.dilateRadius === 0 ? { labels: labels.labels, runs: labels.runs } : { labels: dilateInMatlabOrder(labels, params.dilateRadius) };
}
