/**
 * The shareable view in the page URL: `?x=&y=` centre and `z` image zoom (screen px per
 * level-0 px), plus the post-processing parameters under their query names.
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
 * The view and parameters a URL's query holds; `params` is undefined when the URL names
 * none (the model's defaults apply), and an impossible value falls back to the defaults.
 */
export function readViewState(search: string): { place: ViewPlace | undefined; params: PostprocessParams | undefined } {
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
  return { place, params };
}

/** The query string for a view and parameters. */
export function writeViewState(place: ViewPlace, params: PostprocessParams): string {
  const q = new URLSearchParams({ x: place.x.toFixed(0), y: place.y.toFixed(0), z: String(Number(place.z.toPrecision(4))) });
  for (const [k, v] of paramsToQuery(params)) q.set(k, v);
  return `?${q}`;
}
