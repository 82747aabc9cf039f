/**
 * The post-processing parameters the viewer tunes, and how they travel in a query string
 * (docs/API.md: `recipe`, thresholds and areas, named as in `PostprocessParams`). DOM-free.
 */
import {
  DEFAULT_PARAMS,
  resolvePostprocessParams,
  type PostprocessParams,
  type RecipeName,
} from '@nucleilens/pipeline/post';

export type { PostprocessParams, RecipeName };

/** The numeric fields the threshold panel has sliders for. */
export type TunableField = 'maskThreshold' | 'markerThreshold' | 'minNucleusArea' | 'minMarkerArea';

/** A slider's range and step, in the parameter's own unit (probability or level-0 px²). */
export interface SliderSpec {
  readonly field: TunableField;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

/** The panel's sliders, in display order. */
export const TUNABLE_SLIDERS: readonly SliderSpec[] = [
  { field: 'maskThreshold', label: 'Mask threshold', min: 0, max: 0.99, step: 0.01 },
  { field: 'markerThreshold', label: 'Marker threshold', min: 0, max: 0.99, step: 0.01 },
  { field: 'minNucleusArea', label: 'Min nucleus area (px²)', min: 0, max: 400, step: 1 },
  { field: 'minMarkerArea', label: 'Min marker area (px²)', min: 0, max: 200, step: 1 },
];

/**
 * Query-string name of each parameter the server accepts. The names are those of
 * `PostprocessParams`, as docs/API.md asks; `elevation` and `dilateRadius` are not sent,
 * so the server's recipe defaults apply to them on both sides.
 */
const QUERY_FIELDS = ['recipe', 'maskThreshold', 'markerThreshold', 'minNucleusArea', 'minMarkerArea', 'maxHoleArea'] as const;

/**
 * Parameters as query-string pairs, in a fixed order (so equal parameters give equal URLs,
 * which keeps the browser's and the server's caches useful).
 * @example
 * paramsToQuery(DEFAULT_PARAMS).get('maskThreshold'); // '0.1'
 */
export function paramsToQuery(params: PostprocessParams): URLSearchParams {
  const q = new URLSearchParams();
  for (const f of QUERY_FIELDS) q.set(f, String(params[f]));
  return q;
}

/**
 * Reads parameters from a query string (e.g. a shared viewer URL) over the defaults of the
 * recipe it names (`default` when absent); absent or unparsable numbers keep the default.
 * @throws {InvalidArgumentError} (from `resolvePostprocessParams`) for an unknown recipe or
 *   an out-of-range value.
 * @example
 * paramsFromQuery(new URLSearchParams('maskThreshold=0.4')).maskThreshold; // 0.4
 */
export function paramsFromQuery(q: URLSearchParams, base: PostprocessParams = DEFAULT_PARAMS): PostprocessParams {
  const recipe = q.get('recipe') ?? base.recipe;
  const overrides: Record<string, number> = {};
  for (const f of QUERY_FIELDS) {
    if (f === 'recipe') continue;
    const raw = q.get(f);
    const v = raw === null || raw === '' ? NaN : Number(raw);
    overrides[f] = Number.isFinite(v) ? v : base[f];
  }
  const fromBase = recipe === base.recipe ? { elevation: base.elevation, dilateRadius: base.dilateRadius } : {};
  return resolvePostprocessParams(recipe, { ...fromBase, ...overrides });
}

/** A string equal for equal parameters: the cache key of results computed with them. */
export function paramsKey(params: PostprocessParams): string {
  return paramsToQuery(params).toString();
}

/** `params` with one field changed (parameters are immutable). */
export function withField(params: PostprocessParams, field: TunableField, value: number): PostprocessParams {
  return { ...params, [field]: value };
}
