/**
 * The shareable view in the page URL: `?x=&y=` centre and `z` image zoom (screen px per
 * level-0 px), plus the post-processing parameters under their query names, and the
 * `drawer` opt-in (a property of the machine, not of the view: kept, never added).
 */
import { paramsFromQuery, paramsToQuery, queryHasParams, type PostprocessParams } from '../core/tuning-params.js';

/** Where the view is. */
export interface ViewPlace {
  /** Centre, level-0 px. */
  readonly x: number;
  readonly y: number;
  /** Screen px per level-0 px. */
  readonly z: number;
}

/**
 * How OpenSeadragon draws the slide: `'canvas'` (its 2D-canvas drawer, the page's default)
 * or, with `?drawer=webgl`, WebGL where the browser has it. A browser without a GPU gives
 * WebGL in software (SwiftShader), which here drew a panned view at 9-14 frames/s with
 * 130-250 ms of CPU a frame against 60 frames/s and 10-17 ms for the canvas drawer, and kept
 * two cores busy after a WebGL viewer page had closed (`npm run bench:pan`). A browser with
 * a GPU accelerates the 2D canvas too.
 */
export type PageDrawer = 'canvas' | 'webgl';

/**
 * The view and parameters a URL's query holds; `params` is undefined when the URL names
 * none (the model's defaults apply), and an impossible value falls back to the defaults.
 */
export function readViewState(search: string): { place: ViewPlace | undefined; params: PostprocessParams | undefined; drawer: PageDrawer } {
  const q = new URLSearchParams(search);
  const x = Number(q.get('x'));
  const y = Number(q.get('y'));
  const z = Number(q.get('z'));
  const place = q.has('x') && q.has('y') && q.has('z') && [x, y, z].every(Number.isFinite) && z > 0 ? { x, y, z } : undefined;
  let params: PostprocessParams | undefined;
  try {
    params = queryHasParams(q) ? paramsFromQuery(q) : undefined;
  } catch {
    // A hand-edited URL with an impossible value opens with the defaults rather than failing.
    params = undefined;
  }
  return { place, params, drawer: q.get('drawer') === 'webgl' ? 'webgl' : 'canvas' };
}

/** The query string for a view and parameters (and the drawer, when not the default). */
export function writeViewState(place: ViewPlace, params: PostprocessParams, drawer: PageDrawer = 'canvas'): string {
  const q = new URLSearchParams({ x: place.x.toFixed(0), y: place.y.toFixed(0), z: String(Number(place.z.toPrecision(4))) });
  for (const [k, v] of paramsToQuery(params)) q.set(k, v);
  if (drawer !== 'canvas') q.set('drawer', drawer);
  return `?${q}`;
}
