/**
 * From one compute tile's cached probabilities to the nuclei it owns (the pipeline's
 * `ownedNuclei`), with colour and hematoxylin for the owned nuclei only. Pure; runs on the
 * main thread or in a post-processing worker.
 */
import {
  ownedNuclei,
  type ComputeCell,
  type ComputeGrid,
  type MarkerCut,
  type NucleusInstance,
  type PostprocessParams,
  type ProbMapU8,
  type RgbImage,
  type StainParams,
} from '@nucleilens/pipeline';
import { withColour } from './nucleus-colour.js';

/** Everything {@link computeTileNuclei} needs (plain data: it crosses a worker boundary). */
export interface TileNucleiInput {
  readonly grid: ComputeGrid;
  readonly cell: ComputeCell;
  /** Probability x 255 over `cell.region`. */
  readonly mask: ProbMapU8;
  readonly marker: ProbMapU8;
  /** The slide's pixels over `cell.region`, for colour measurements. */
  readonly image: RgbImage;
  readonly stain: StainParams;
  readonly params: PostprocessParams;
  /** Microns per level-0 px, when known. */
  readonly mpp?: number;
  /** The tile's marker stage from an earlier run; reused when it fits `params`. */
  readonly markerCut?: MarkerCut;
}

/** What {@link computeTileNuclei} found. */
export interface TileNucleiOutput {
  /** Owned nuclei, in label order. */
  readonly instances: NucleusInstance[];
  /** The marker stage, when this run computed one worth keeping for the next threshold change. */
  readonly markerCut?: MarkerCut;
}

/**
 * The nuclei `cell` owns.
 * @throws {ShapeError} when the maps or image do not match the region; {@link InvalidArgumentError} for bad parameters.
 * @example
 * const { instances } = computeTileNuclei({ grid, cell, mask, marker, image, stain, params, mpp: 0.25 });
 */
export function computeTileNuclei(input: TileNucleiInput): TileNucleiOutput {
  const { mpp } = input;
  const owned = ownedNuclei({
    grid: input.grid,
    cell: input.cell,
    mask: input.mask,
    marker: input.marker,
    params: input.params,
    ...(input.markerCut && { markerCut: input.markerCut }),
    ...(mpp !== undefined && mpp > 0 && { micronsPerPixel: mpp }),
  });
  // Colour only for the owned nuclei: their pixels are all withColour reads.
  const instances = withColour(owned.instances, owned.labels, input.image, input.stain);
  const computed = owned.markerCut !== undefined && owned.markerCut !== input.markerCut;
  return computed ? { instances, markerCut: owned.markerCut } : { instances };
}
