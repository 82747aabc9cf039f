/**
 * Shapes of the NucleiLens HTTP answers the viewer reads (docs/API.md). Geometry is in
 * level-0 pixels of the slide, rectangles half-open.
 */
import type { Rect } from '@nucleilens/pipeline/raster';
import type { NucleusFeature, NucleusFeatureCollection } from '@nucleilens/pipeline/measure';

export type { Rect, NucleusFeature, NucleusFeatureCollection };

/** `GET /slides/:id` (and one element of `GET /slides`). */
export interface SlideInfo {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** Microns per level-0 pixel, when the slide knows it. */
  readonly mpp?: number | null;
  /** The pyramid's levels (level 0 first). */
  readonly levels?: readonly { readonly width: number; readonly height: number; readonly downsample: number }[];
  readonly name?: string;
}

/** `GET /slides/:id/grid`: the fixed compute grid inference runs on. */
export interface ComputeGrid {
  /** Core side of a compute tile, level-0 px. */
  readonly tile: number;
  /** Context added on every side of a core before inference, level-0 px. */
  readonly halo: number;
  readonly cols: number;
  readonly rows: number;
  readonly mpp?: number | null;
  /** The model's card (name, post-processing defaults...), as the server reports it. */
  readonly model?: unknown;
}

/** One compute tile of a `GET /slides/:id/probs` answer. */
export interface ProbsTileRef {
  readonly col: number;
  readonly row: number;
  /** The tile's core: nuclei whose centroid lies here belong to it. */
  readonly core: Rect;
  /** The core plus halo, clipped to the slide: the area the PNG covers. */
  readonly region: Rect;
  /**
   * PNG over `region`: R = mask probability x 255, G = marker probability x 255, B = the
   * slide's hematoxylin density in steps of 1 / {@link PROBS_HEMATOXYLIN_STEPS_PER_OD} OD.
   */
  readonly url: string;
}

/**
 * The /probs PNG's blue channel holds hematoxylin OD in steps of 0.02 (clipped at 5.1: nuclei
 * of strongly stained slides pass 2.5 OD, so a finer step would clip them).
 */
export const PROBS_HEMATOXYLIN_STEPS_PER_OD = 50;

/** `GET /slides/:id/probs?x=&y=&w=&h=`. */
export interface ProbsListing {
  readonly tile: number;
  readonly halo: number;
  readonly tiles: readonly ProbsTileRef[];
}

/** The body of every 4xx/5xx answer. */
export interface ServerErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}
