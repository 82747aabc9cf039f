/**
 * Per-nucleus measurements from an instance label image: size, shape (the scikit-image
 * `regionprops` definitions), colour, hematoxylin density and a simplified outline.
 * Browser-safe: the viewer runs it in a Web Worker on cached tiles.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { FloatImage, LabelImage, RgbImage } from '../raster/types.js';
import { assertRasterShape, assertSameSize } from '../raster/create.js';
import type { StainParams } from '../stain/types.js';
import { stainConcentrations } from '../stain/apply.js';
import type { NucleusInstance, PixelPoint } from './types.js';
import type { LabelRuns } from '../post/run-labelling.js';
import { STAT, gatherRegionStats, type RegionStats } from './region-stats.js';
import { traceOuterBoundary } from './trace-outline.js';
import { simplifyRing } from './simplify-ring.js';
import { spanHullArea } from './convex-hull.js';

/**
 * Figures that cost work beyond the labels' runs, which a caller showing only some of them
 * may leave out (`true` = left out): the perimeter needs a pass over every pixel of the kept
 * nuclei, solidity a convex hull each. Left-out figures read NaN (and `perimeterUm` too),
 * which the GeoJSON export leaves out and the CSV writes as an empty cell.
 */
export interface OmittedFigures {
  readonly perimeter?: boolean;
  readonly solidity?: boolean;
}

/** Options of {@link measureNuclei}. */
export interface MeasureOptions {
  /** RGB image the labels were segmented from (same size), for mean colour. */
  readonly image?: RgbImage;
  /** Stain parameters of that image (e.g. fitted once per slide), for mean hematoxylin density; needs `image`. */
  readonly stain?: StainParams;
  /**
   * Hematoxylin density per pixel (OD units, same size), when it is at hand without the image
   * (the viewer's preview gets it with the probabilities); instead of `image` + `stain`.
   */
  readonly hematoxylin?: FloatImage;
  /** Microns per level-0 pixel; adds µm figures (area, perimeter, equivalent diameter). */
  readonly micronsPerPixel?: number;
  /** Level-0 px of the raster's top-left pixel, so a tile's geometry comes out in slide coordinates. Default (0, 0). */
  readonly offset?: PixelPoint;
  /** Douglas-Peucker tolerance for outlines, level-0 px (0 keeps every corner). Default 0.5. */
  readonly simplifyTolerance?: number;
  /**
   * Keeps only the nuclei it accepts, judged on their exact centroid and bounding box
   * before the costly figures (outline, hull) are computed: a compute tile measures only
   * the nuclei it owns. Default: all.
   */
  readonly select?: (n: Pick<NucleusInstance, 'centroid' | 'bbox'>) => boolean;
  /**
   * The labels' maximal runs (from {@link postprocessWithRuns}), so they are not found again
   * in the pixels; they must be those of `labels`.
   */
  readonly runs?: LabelRuns;
  /**
   * Costly figures to leave out (see {@link OmittedFigures}): the viewer's live preview
   * measures only what it shows. Default: none.
   */
  readonly omit?: OmittedFigures;
}

function checkOptions(labels: LabelImage, opts: MeasureOptions): void {
  assertRasterShape('labels', labels, 1);
  if (opts.image) {
    assertRasterShape('image', opts.image, 3);
    assertSameSize('labels', labels, 'image', opts.image);
  }
  if (opts.stain && !opts.image) throw new InvalidArgumentError('stain parameters need the image (options.image) to measure hematoxylin');
  if (opts.hematoxylin) {
    if (opts.stain) throw new InvalidArgumentError('give hematoxylin or stain parameters, not both');
    assertRasterShape('hematoxylin', opts.hematoxylin, 1);
    assertSameSize('labels', labels, 'hematoxylin', opts.hematoxylin);
  }
  const mpp = opts.micronsPerPixel;
  if (mpp !== undefined && !(Number.isFinite(mpp) && mpp > 0)) {
    throw new InvalidArgumentError(`micronsPerPixel must be a positive number, got ${mpp}`);
  }
  const tol = opts.simplifyTolerance;
  if (tol !== undefined && !(Number.isFinite(tol) && tol >= 0)) {
    throw new InvalidArgumentError(`simplifyTolerance must be a number >= 0, got ${tol}`);
  }
  const off = opts.offset;
  if (off && !(Number.isFinite(off.x) && Number.isFinite(off.y))) {
    throw new InvalidArgumentError(`offset must be finite, got (${off.x}, ${off.y})`);
  }
}

/**
 * regionprops' eccentricity and orientation from n² times the second central moments
 * (exact integers for regions of realistic size, so symmetric shapes compare exactly).
 * The inertia tensor is [[a, b], [b, c]] with a = var(x), b = -cov(x, y), c = var(y).
 */
function ellipseShape(n2VarX: number, n2VarY: number, n2CovXY: number): { eccentricity: number; orientation: number } {
  const a = n2VarX;
  const b = -n2CovXY;
  const c = n2VarY;
  const mid = (a + c) / 2;
  const half = Math.hypot((a - c) / 2, b);
  const l1 = Math.max(0, mid + half);
  const l2 = Math.max(0, mid - half);
  const eccentricity = l1 === 0 ? 0 : Math.sqrt(1 - l2 / l1);
  // As current scikit-image: a == c is special-cased so b = 0 (no preferred axis) gives -π/4
  // (0.19.3 had the signs of this case the other way round; 0.5 atan2(-2b, 0) agrees for b != 0).
  const orientation = a === c ? (b < 0 ? Math.PI / 4 : -Math.PI / 4) : 0.5 * Math.atan2(-2 * b, c - a);
  return { eccentricity, orientation };
}

/**
 * Measures every labelled nucleus.
 *
 * Definitions: perimeter is scikit-image `regionprops` `perimeter` (4-neighbourhood border
 * pixels, not Crofton); eccentricity and orientation come from the second central moments
 * as in `regionprops`; solidity is area over the area of the convex hull of the pixels'
 * corners (continuous, so a rectangle scores exactly 1). Centroids count pixel (c, r) at its
 * centre (c + 0.5, r + 0.5), so they agree with the outline polygons.
 * @param labels Int32 instance labels (width x height), 0 = background, ids >= 0 in any order
 * @param opts optional image (width x height x 3, uint8), stain parameters, microns per pixel, offset, outline tolerance, selection
 * @returns one instance per label value (that `opts.select` accepts), sorted by id
 * @throws {ShapeError} when a raster's data does not match its size or the image and labels
 *   differ in size; {@link InvalidArgumentError} for a negative label or an option out of range.
 * @example
 * const labels = { width: 4, height: 4, data: new Int32Array(16) };
 * for (const i of [5, 6, 9, 10]) labels.data[i] = 1;
 * const [nucleus] = measureNuclei(labels, { micronsPerPixel: 0.25 });
 * nucleus.area; // 4
 * nucleus.centroid; // { x: 2, y: 2 }
 * nucleus.outline; // [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]
 */
export function measureNuclei(labels: LabelImage, opts: MeasureOptions = {}): NucleusInstance[] {
  checkOptions(labels, opts);
  const { image, stain } = opts;
  const hematoxylin = opts.hematoxylin?.data ?? (image && stain ? stainConcentrations(stain, image).hematoxylin : undefined);
  const ox = opts.offset?.x ?? 0;
  const oy = opts.offset?.y ?? 0;
  const select = opts.select;
  // The selection is judged between the two passes, so rejected nuclei cost no pixel work.
  const keep = select && ((k: number, sums: Float64Array, stride: number) => select(placement(sums, stride, k, ox, oy)));
  const perimeter = opts.omit?.perimeter !== true;
  const stats = gatherRegionStats(labels, image, hematoxylin, keep, opts.runs, perimeter);
  const at: MeasureContext = {
    labels,
    stats,
    ox,
    oy,
    tolerance: opts.simplifyTolerance ?? 0.5,
    perimeter,
    solidity: opts.omit?.solidity !== true,
    mpp: opts.micronsPerPixel,
    rgb: image !== undefined,
    hematoxylin: hematoxylin !== undefined,
  };
  const out: NucleusInstance[] = [];
  for (let k = 0; k < stats.count; k++) {
    if (stats.kept[k] === 0) continue;
    out.push(measureSlot(at, k, placement(stats.sums, stats.stride, k, ox, oy)));
  }
  return out.sort((p, q) => p.id - q.id);
}

/** What every slot of one {@link measureNuclei} call is measured with. */
interface MeasureContext {
  readonly labels: LabelImage;
  readonly stats: RegionStats;
  /** Offset of the raster's top-left pixel, level-0 px. */
  readonly ox: number;
  readonly oy: number;
  readonly tolerance: number;
  /** Whether the perimeter is measured (else NaN). */
  readonly perimeter: boolean;
  /** Whether the solidity is measured (else NaN). */
  readonly solidity: boolean;
  readonly mpp: number | undefined;
  /** Whether the stats hold colour and hematoxylin sums. */
  readonly rgb: boolean;
  readonly hematoxylin: boolean;
}

/** Slot k's centroid and bounding box (offset by (ox, oy)): all a selection needs. */
function placement(sums: Float64Array, stride: number, k: number, ox: number, oy: number): Pick<NucleusInstance, 'centroid' | 'bbox'> {
  const o = k * stride;
  const n = sums[o + STAT.AREA];
  const minX = sums[o + STAT.MIN_X];
  const minY = sums[o + STAT.MIN_Y];
  return {
    centroid: { x: ox + sums[o + STAT.FIRST_X] + sums[o + STAT.SX] / n + 0.5, y: oy + minY + sums[o + STAT.SY] / n + 0.5 },
    bbox: { x: ox + minX, y: oy + minY, width: sums[o + STAT.MAX_X] - minX + 1, height: sums[o + STAT.MAX_Y] - minY + 1 },
  };
}

/**
 * Slot k measured. Its own function, and optional fields assigned rather than spread: a
 * viewer worker runs this for every nucleus on every slider step, and V8 optimized the
 * whole loop as one large function many steps late (measured with --trace-opt).
 */
function measureSlot(at: MeasureContext, k: number, box: Pick<NucleusInstance, 'centroid' | 'bbox'>): NucleusInstance {
  const { stats, ox, oy, mpp } = at;
  const { sums, stride } = stats;
  const o = k * stride;
  const n = sums[o + STAT.AREA];
  const sx = sums[o + STAT.SX];
  const sy = sums[o + STAT.SY];
  const shape = ellipseShape(n * sums[o + STAT.SXX] - sx * sx, n * sums[o + STAT.SYY] - sy * sy, n * sums[o + STAT.SXY] - sx * sy);
  const perimeter = at.perimeter ? sums[o + STAT.PERIMETER] : NaN;
  const equivalentDiameter = Math.sqrt((4 * n) / Math.PI);
  const ring = simplifyRing(traceOuterBoundary(at.labels, stats.ids[k], stats.firstPixel[k]), at.tolerance);
  // Sized up front: pushing grows the array by copies, garbage for every nucleus.
  const outline = new Array<[number, number]>(ring.length / 2 + 1);
  for (let p = 0; p < ring.length; p += 2) outline[p / 2] = [ring[p] + ox, ring[p + 1] + oy];
  outline[ring.length / 2] = [outline[0][0], outline[0][1]];
  const instance: Mutable<NucleusInstance> = {
    id: stats.ids[k],
    area: n,
    perimeter,
    centroid: box.centroid,
    bbox: box.bbox,
    equivalentDiameter,
    eccentricity: shape.eccentricity,
    orientation: shape.orientation,
    solidity: at.solidity ? n / spanHullArea(stats.spans, stats.spanStart[k], stats.spanStart[k + 1]) : NaN,
    outline,
  };
  if (mpp !== undefined) {
    instance.areaUm2 = n * mpp * mpp;
    instance.perimeterUm = perimeter * mpp;
    instance.equivalentDiameterUm = equivalentDiameter * mpp;
  }
  if (at.rgb) instance.meanRgb = [sums[o + STAT.SUM_R] / n, sums[o + STAT.SUM_G] / n, sums[o + STAT.SUM_B] / n];
  if (at.hematoxylin) instance.meanHematoxylin = sums[o + STAT.SUM_H] / n;
  return instance;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
