/**
 * Nuclei of one compute tile from its cached probabilities: the same post-processing,
 * measurement and ownership rule as the server's `/nuclei` (docs/API.md), so the live
 * preview shows what the server will answer for the same parameters. DOM-free; runs in
 * the tuning Web Worker and in Node tests.
 */
import type { MarkerCut, PostprocessParams, PostprocessReuse } from '@nucleilens/pipeline/post';
import type { NucleusInstance } from '@nucleilens/pipeline/measure';
import { cropPlane, type FloatImage, type ProbMapU8 } from '@nucleilens/pipeline/raster';
import { ownedNuclei, type ComputeGrid } from '@nucleilens/pipeline/grid';
import { PROBS_HEMATOXYLIN_STEPS_PER_OD, type Rect } from './server-types.js';

/** A compute tile's decoded probabilities over its region. */
export interface ProbTile {
  readonly col: number;
  readonly row: number;
  readonly core: Rect;
  /** Core plus halo, clipped to the slide; `mask` and `marker` cover exactly this. */
  readonly region: Rect;
  /** Nucleus probability x 255, region.width x region.height. */
  readonly mask: ProbMapU8;
  /** Shape-marker probability x 255, same size. */
  readonly marker: ProbMapU8;
  /** The slide's hematoxylin density (OD), same size, when the server sent it. */
  readonly hematoxylin?: FloatImage;
}

/** Slide facts the ownership rule and the measurements need. */
export interface TileContext {
  /** The slide's compute grid (its size bounds the ownership rule's slide border). */
  readonly grid: ComputeGrid;
  /** Microns per level-0 px, for the µm measurements. */
  readonly mpp?: number;
  /** Mixed into feature ids, as the server does (the slide id). */
  readonly idNamespace?: string;
}

/**
 * Splits an RGBA (or RGB) pixel buffer of a probabilities PNG (R = mask x 255, G = marker x
 * 255, B = hematoxylin OD in steps of 1 / {@link PROBS_HEMATOXYLIN_STEPS_PER_OD}) into the
 * three maps.
 * @param pixels width x height x `channels` uint8, row-major
 * @throws {RangeError} when the buffer length is not width x height x channels.
 * @example
 * const { mask, marker, hematoxylin } = splitProbPixels(imageData.data, imageData.width, imageData.height, 4);
 */
export function splitProbPixels(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: 3 | 4,
): { mask: ProbMapU8; marker: ProbMapU8; hematoxylin: FloatImage } {
  const n = width * height;
  if (pixels.length !== n * channels) {
    throw new RangeError(`probability pixels: expected ${width}x${height}x${channels} = ${n * channels} bytes, got ${pixels.length}`);
  }
  const mask = new Uint8Array(n);
  const marker = new Uint8Array(n);
  const hematoxylin = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    mask[i] = pixels[j];
    marker[i] = pixels[j + 1];
    hematoxylin[i] = pixels[j + 2] / PROBS_HEMATOXYLIN_STEPS_PER_OD;
  }
  return { mask: { width, height, data: mask }, marker: { width, height, data: marker }, hematoxylin: { width, height, data: hematoxylin } };
}

/** Intersection of two half-open rectangles, undefined when empty. */
function intersect(a: Rect, b: Rect): Rect | undefined {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
}

/**
 * The part of a tile's region worth post-processing when only nuclei with their centroid in
 * `view` matter: the core's visible part grown by `halo` on every side, within the region.
 * Those nuclei come out exactly as over the whole region, for the same reason the server's
 * halo makes tiles agree (a nucleus is smaller than the halo). Undefined when the core is
 * out of view.
 * @example
 * previewWindow(tile, { x: 0, y: 0, width: 1280, height: 800 }, 64);
 */
export function previewWindow(tile: Pick<ProbTile, 'core' | 'region'>, view: Rect, halo: number): Rect | undefined {
  const seen = intersect(tile.core, view);
  if (!seen) return undefined;
  return intersect({ x: seen.x - halo, y: seen.y - halo, width: seen.width + 2 * halo, height: seen.height + 2 * halo }, tile.region);
}

/**
 * Which costly figures a preview measures. A slider step measures every nucleus in view,
 * and the perimeter (a pass over each kept nucleus's pixels), solidity (a convex hull each)
 * and the hematoxylin mean (another pixel sum) were together about a quarter of that work
 * (Node, the frame-time benchmark's 12 tiles); the overlay asks only for those its
 * histogram and colouring show. Figures left out are absent from the preview's records
 * (tooltip, download) until the server's results for the released slider replace them.
 */
export interface PreviewFigures {
  readonly perimeter: boolean;
  readonly solidity: boolean;
  readonly hematoxylin: boolean;
}

/** Every figure: what the server measures, and the preview's default. */
export const ALL_FIGURES: PreviewFigures = Object.freeze({ perimeter: true, solidity: true, hematoxylin: true });

/**
 * The costly figures that QuPath measurements `shown` need.
 * @example
 * figuresShowing(['Area', 'Hematoxylin OD mean']); // { perimeter: false, solidity: false, hematoxylin: true }
 */
export function figuresShowing(shown: readonly string[]): PreviewFigures {
  return {
    perimeter: shown.some((name) => name === 'Perimeter' || name === 'Perimeter µm'),
    solidity: shown.includes('Solidity'),
    hematoxylin: shown.includes('Hematoxylin OD mean'),
  };
}

/** What {@link tileNuclei} may reuse from earlier runs, and what it may leave out. */
export interface TileRunOptions extends PostprocessReuse {
  /**
   * The view (level-0 px): owned nuclei whose bounding box misses it are left out, neither
   * measured nor returned. They lie within a halo of the view's edge, inside their tile's
   * core: 323 of 1,851 owned nuclei in the 1280x800 view of the frame-time benchmark.
   */
  readonly visible?: Rect;
  /** The costly figures to measure; default {@link ALL_FIGURES}. */
  readonly figures?: PreviewFigures;
}

/** One tile's preview: its nuclei, and the marker stage to hand back for the next run. */
export interface TileRun {
  /** The nuclei the tile owns, measured in level-0 px. */
  readonly instances: NucleusInstance[];
  /** Computed over the run's window; undefined when the recipe has no mask-independent stage. */
  readonly markerCut?: MarkerCut;
}

/**
 * The nuclei a compute tile owns, measured in level-0 px (`toGeoJson` or `packNuclei` them).
 * @param tile decoded probabilities of one compute tile
 * @param params post-processing parameters (validated by `postprocess`)
 * @param window part of the region to post-process (see {@link previewWindow}); default the
 *   whole region. Its edges inside the slide count as halo edges for the ownership rule.
 * @param opts `markerCut` from an earlier run over the same window, used when its marker
 *   parameters are those of `params`, so a mask-threshold drag skips the watershed;
 *   `labelBuffer`, memory the label image may be written into (a worker keeps one);
 *   `visible`, the view, to leave out nuclei drawn off screen; `figures`, the costly figures
 *   to measure.
 * @throws {ShapeError} when the maps do not match the region's size;
 *   {InvalidArgumentError} for out-of-range parameters; {RangeError} for a window outside the region.
 * @example
 * const { instances } = tileNuclei(tile, { ...DEFAULT_PARAMS, maskThreshold: 0.4 }, { grid: computeGrid(2048, 1536, 512, 64) });
 */
export function tileNuclei(
  tile: ProbTile,
  params: PostprocessParams,
  ctx: TileContext,
  window?: Rect,
  opts: TileRunOptions = {},
): TileRun {
  const area = window ? tileWindow(tile, window) : checkedTile(tile);
  const figures = opts.figures ?? ALL_FIGURES;
  const hematoxylin = figures.hematoxylin ? area.hematoxylin : undefined;
  // The window's edges inside the slide count as halo edges: the pipeline's ownership rule
  // applied to the tile with the window as its region.
  const run = ownedNuclei({
    grid: ctx.grid,
    cell: { col: area.col, row: area.row, core: area.core, region: area.region },
    mask: area.mask,
    marker: area.marker,
    params,
    ...(opts.markerCut && { markerCut: opts.markerCut }),
    ...(opts.labelBuffer && { labelBuffer: opts.labelBuffer }),
    ...(opts.visible && { visible: opts.visible }),
    ...(ctx.mpp !== undefined && ctx.mpp > 0 && { micronsPerPixel: ctx.mpp }),
    ...(hematoxylin && { hematoxylin }),
    ...(opts.figures && { omit: { perimeter: !figures.perimeter, solidity: !figures.solidity } }),
  });
  return run.markerCut ? { instances: run.instances, markerCut: run.markerCut } : { instances: run.instances };
}

function checkedTile(tile: ProbTile): ProbTile {
  const { region } = tile;
  if (tile.mask.width !== region.width || tile.mask.height !== region.height) {
    throw new RangeError(
      `tile ${tile.col}_${tile.row}: maps are ${tile.mask.width}x${tile.mask.height}, region is ${region.width}x${region.height}`,
    );
  }
  return tile;
}

/**
 * The tile cut down to `window` (maps cropped, `region` = the window): what
 * {@link tileNuclei} post-processes. A worker keeps it while the view stays, so slider steps
 * crop nothing.
 * @throws {RangeError} when the maps do not match the region or the window is not inside it.
 * @example
 * const part = tileWindow(tile, previewWindow(tile, view, halo)!);
 */
export function tileWindow(tile: ProbTile, window: Rect): ProbTile {
  const { region } = checkedTile(tile);
  const dx = window.x - region.x;
  const dy = window.y - region.y;
  if (dx < 0 || dy < 0 || dx + window.width > region.width || dy + window.height > region.height) {
    throw new RangeError(`tile ${tile.col}_${tile.row}: window ${JSON.stringify(window)} is not inside region ${JSON.stringify(region)}`);
  }
  if (window.width === region.width && window.height === region.height) return tile;
  const { width, height } = window;
  const h = tile.hematoxylin;
  return {
    col: tile.col,
    row: tile.row,
    core: tile.core,
    region: window,
    mask: cropPlane(tile.mask, dx, dy, width, height),
    marker: cropPlane(tile.marker, dx, dy, width, height),
    ...(h && { hematoxylin: cropPlane(h, dx, dy, width, height) }),
  };
}
