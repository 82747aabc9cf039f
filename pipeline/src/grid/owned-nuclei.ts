/**
 * One compute tile from its probability maps to the nuclei it owns: post-processing,
 * measurement of the owner's candidates only, then the exact ownership rule. The server's
 * `/nuclei` and the viewer's live preview both run this, so they agree by construction.
 * Browser-safe: no Node built-ins.
 */
import { ShapeError } from '../errors/index.js';
import type { FloatImage, LabelImage, ProbMap } from '../raster/types.js';
import { postprocess, type PostprocessReuse } from '../post/postprocess.js';
import type { PostprocessParams } from '../post/postprocess-params.js';
import { measureNuclei } from '../measure/measure-nuclei.js';
import type { NucleusInstance } from '../measure/types.js';
import { cellOwns, type ComputeCell, type ComputeGrid } from './compute-grid.js';

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
  /** Stages of an earlier run over the same maps (`postprocess`'s `reuse`). */
  readonly reuse?: PostprocessReuse;
  /** Microns per level-0 px, for the µm measurements. */
  readonly micronsPerPixel?: number;
  /** Hematoxylin density per pixel over `cell.region` (OD units), for the nuclei's mean. */
  readonly hematoxylin?: FloatImage;
}

/** The owned nuclei and the labels they were measured from. */
export interface OwnedNuclei {
  /** In label order, level-0 px. */
  readonly instances: NucleusInstance[];
  /** Over `cell.region`: every instance's label, owned or not (an instance's `id` is its label). */
  readonly labels: LabelImage;
}

/**
 * The nuclei `input.cell` owns under `input.params`.
 * @throws {ShapeError} when the maps differ in size or do not cover the region;
 *   {@link InvalidArgumentError} for bad parameters or a stale reused stage.
 * @example
 * const { instances } = ownedNuclei({ grid, cell, mask, marker, params: PAPER_PARAMS, micronsPerPixel: 0.25 });
 */
export function ownedNuclei(input: OwnedNucleiInput): OwnedNuclei {
  const { grid, cell, micronsPerPixel: mpp } = input;
  const { region } = cell;
  if (input.mask.width !== region.width || input.mask.height !== region.height) {
    throw new ShapeError(`tile ${cell.col}_${cell.row}: maps are ${input.mask.width}x${input.mask.height}, its region is ${region.width}x${region.height}`);
  }
  const labels = postprocess(input.mask, input.marker, input.params, input.reuse);
  // Judged before outlines are traced: about a third of a tile's nuclei lie in its halo.
  const instances = measureNuclei(labels, {
    offset: { x: region.x, y: region.y },
    ...(mpp !== undefined && mpp > 0 && { micronsPerPixel: mpp }),
    ...(input.hematoxylin && { hematoxylin: input.hematoxylin }),
    select: (n) => cellOwns(grid, cell, n),
  });
  return { instances, labels };
}
