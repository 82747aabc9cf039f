/**
 * Messages between the overlay (main thread) and the tuning workers. Everything is plain
 * structured-clone data; errors cross as `{ name, code, message }`.
 */
import type { PostprocessParams } from '../core/tuning-params.js';
import type { PreviewFigures, TileContext } from '../core/tile-nuclei.js';
import type { ProbsTileRef, Rect } from '../core/server-types.js';
import type { PackedNuclei } from '../core/nucleus-record.js';

/** An error as it crosses the worker boundary. */
export interface WireError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

/** Main thread -> worker. */
export type WorkerRequest =
  | { readonly type: 'init'; readonly ctx: TileContext; readonly maxTiles: number }
  /**
   * Fetch and decode these probability tiles (absolute `url`s) unless already cached; with
   * `warm`, post-process each newly decoded tile once when nothing else is asked (see
   * {@link WarmSpec}); a compute request drops what is still queued.
   */
  | { readonly type: 'load'; readonly requestId: number; readonly tiles: readonly ProbsTileRef[]; readonly warm?: WarmSpec }
  /**
   * Post-process the cached tiles `keys` ("col_row", most important first) with `params`,
   * for the nuclei drawn in `view`: each tile's own nuclei whose bounding box meets it
   * (level-0 px; each tile is cropped to its visible part plus `halo`), measuring the costly
   * `figures` only. A newer compute replaces an older one between two tiles.
   */
  | {
      readonly type: 'compute';
      readonly requestId: number;
      readonly params: PostprocessParams;
      readonly keys: readonly string[];
      readonly view: Rect;
      readonly halo: number;
      readonly figures: PreviewFigures;
    }
  /**
   * Every worker finished compute request `requestId`: the background work it queued here
   * (its cuts ahead) may start. Before then it would take a core from a worker still
   * computing the step.
   */
  | { readonly type: 'step-done'; readonly requestId: number };

/**
 * Parameters and view a newly loaded tile is post-processed with in the background, results
 * kept to itself: the paper recipe's marker stage (a watershed per tile) is then ready, and
 * the code compiled, before the first slider step, so that step costs what later ones do.
 * A worker's first warmed tiles are also rehearsed at a nudged mask threshold (see the
 * worker's REHEARSALS); `warmed` follows those too.
 */
export interface WarmSpec {
  readonly params: PostprocessParams;
  readonly view: Rect;
  readonly halo: number;
  /** The figures slider steps will measure, so the rehearsed path is theirs. */
  readonly figures: PreviewFigures;
}

/** How a tile's run came by its marker cut (see the `tile` reply). */
export type CutUse = 'reused' | 'computed' | 'none';

/** Worker -> main thread. */
export type WorkerReply =
  /** `warming`: newly decoded tiles are queued for the background run; `warmed` follows once it is over. */
  | { readonly type: 'loaded'; readonly requestId: number; readonly loaded: string[]; readonly failed: { key: string; error: WireError }[]; readonly warming: boolean }
  /** The background runs asked for by loads are over (none queued). */
  | { readonly type: 'warmed' }
  /**
   * One tile's nuclei under the parameters of compute request `requestId`; `cut`: whether
   * the tile's marker cut was reused (kept from an earlier run or computed ahead), computed
   * for this run, or not part of the recipe.
   */
  | { readonly type: 'tile'; readonly requestId: number; readonly key: string; readonly nuclei: PackedNuclei; readonly ms: number; readonly cut: CutUse }
  /**
   * Every tile of compute request `requestId` is done (`missing`: keys not in the cache, never
   * fetched by a compute); `ahead`: tiles whose next marker cut the worker now computes ahead.
   */
  | { readonly type: 'computed'; readonly requestId: number; readonly missing: string[]; readonly ms: number; readonly ahead: number }
  /** The cuts a `computed` reply announced as computed ahead are all on the shelf (not sent when a newer compute drops them). */
  | { readonly type: 'ahead-done' }
  | { readonly type: 'failed'; readonly requestId: number; readonly error: WireError };

/** `{ name, code, message }` of anything thrown. */
export function toWireError(e: unknown): WireError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, code: typeof code === 'string' ? code : 'WORKER', message: e.message };
  }
  return { name: 'Error', code: 'WORKER', message: String(e) };
}
