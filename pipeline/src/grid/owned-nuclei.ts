/**
 * One compute tile from its probability maps to the nuclei it owns: post-processing (reusing
 * the marker stage of an earlier run when it fits), then measurement of the nuclei the
 * ownership rule keeps. The server's `/nuclei` and the viewer's live preview both run this,
 * so they agree by construction.
 * Browser-safe: no Node built-ins.
 */
import { ShapeError } from '../errors/index.js';
import type { FloatImage, LabelImage, ProbMap, Rect } from '../raster/types.js';
import { computeMarkerCut, postprocessWithRuns } from '../post/postprocess.js';
import { markerCutKey, type MarkerCut } from '../post/recipe-paper.js';
import type { PostprocessParams } from '../post/postprocess-params.js';
import { measureNuclei, type OmittedFigures } from '../measure/measure-nuclei.js';
import type { NucleusInstance } from '../measure/types.js';
import { cellOwns, rectsMeet, type ComputeCell, type ComputeGrid } from './compute-grid.js';

/** Input of {@link ownedNuclei}. */
export interface OwnedNucleiInput {
  readonly grid: ComputeGrid;
  /**
   * The tile; `region` is the level-0 rectangle the maps cover: the cell's own region, or a
   * window of it (its edges inside the slide then count as halo edges for the ownership rule).
   */
  readonly cell: ComputeCell;
  /** Nucleus probability over `cell.region`. */
  readonly mask: ProbMap;
  /** Shape-marker probability over `cell.region`. */
  readonly marker: ProbMap;
  readonly params: PostprocessParams;
  /**
   * The `markerCut` an earlier run returned for the same maps; reused when it was made with
   * these marker parameters, recomputed otherwise.
   */
  readonly markerCut?: MarkerCut;
  /**
   * Memory the label image may be written into ({@link PostprocessReuse.labelBuffer}); the
   * returned `labels` are then valid until the buffer is written again.
   */
  readonly labelBuffer?: Int32Array;
  /** Microns per level-0 px, for the µm measurements. */
  readonly micronsPerPixel?: number;
  /** Hematoxylin density per pixel over `cell.region` (OD units), for the nuclei's mean. */
  readonly hematoxylin?: FloatImage;
  /**
   * Level-0 rectangle on screen (a viewer's view): owned nuclei whose bounding box misses it
   * are neither measured nor returned, since they would be drawn off screen.
   */
  readonly visible?: Rect;
  /** Costly figures to leave out ({@link OmittedFigures}); default none. */
  readonly omit?: OmittedFigures;
}

/** The owned nuclei and the labels they were measured from. */
export interface OwnedNuclei {
  /** In label order, level-0 px. */
  readonly instances: NucleusInstance[];
  /** Over `cell.region`: every instance's label, owned or not (an instance's `id` is its label). */
  readonly labels: LabelImage;
  /** The marker stage this run used, to pass back next time; undefined when the recipe has none. */
  readonly markerCut?: MarkerCut;
}

/**
 * The nuclei `input.cell` owns under `input.params`.
 * @throws {ShapeError} when the maps differ in size or do not cover the region;
 *   {@link InvalidArgumentError} for bad parameters.
 * @example
 * const { instances } = ownedNuclei({ grid, cell, mask, marker, params: PAPER_PARAMS, micronsPerPixel: 0.25 });
 */
export function ownedNuclei(input: OwnedNucleiInput): OwnedNuclei {
  const { grid, cell, micronsPerPixel: mpp, visible } = input;
  const { region } = cell;
  if (input.mask.width !== region.width || input.mask.height !== region.height) {
    throw new ShapeError(`tile ${cell.col}_${cell.row}: maps are ${input.mask.width}x${input.mask.height}, its region is ${region.width}x${region.height}`);
  }
  const { mask, marker, params } = input;
  const key = markerCutKey(params);
  const given = input.markerCut;
  const fits = given !== undefined && given.key === key && given.width === mask.width && given.height === mask.height;
  const markerCut = fits ? given : key !== undefined ? computeMarkerCut(mask, marker, params) : undefined;
  const { labels, runs } = postprocessWithRuns(mask, marker, params, { markerCut, ...(input.labelBuffer && { labelBuffer: input.labelBuffer }) });
  // Judged between the stats passes, before any pixel work or outline: about a third of a
  // tile's nuclei (two in five of a viewer window's) lie in its halo.
  const instances = measureNuclei(labels, {
    offset: { x: region.x, y: region.y },
    ...(mpp !== undefined && mpp > 0 && { micronsPerPixel: mpp }),
    ...(input.hematoxylin && { hematoxylin: input.hematoxylin }),
    ...(runs && { runs }),
    ...(input.omit && { omit: input.omit }),
    select: (n) => cellOwns(grid, cell, n) && (!visible || rectsMeet(n.bbox, visible)),
  });
  return markerCut ? { instances, labels, markerCut } : { instances, labels };
}
