/**
 * The post-processing parameters the viewer tunes, and how they travel in a query string
 * (docs/API.md: `recipe`, thresholds and areas, named as in `PostprocessParams`). DOM-free.
 */
import {
  DEFAULT_PARAMS,
  resolvePostprocessParams,
  validatePostprocessParams,
  type PostprocessOverrides,
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
 * Query-string name of each parameter sent to the server: the names of `PostprocessParams`
 * (docs/API.md). Every field is sent, so the server and the browser's preview post-process
 * with exactly the same numbers whatever the defaults on either side.
 */
const QUERY_FIELDS = [
  'recipe',
  'maskThreshold',
  'markerThreshold',
  'minNucleusArea',
  'minMarkerArea',
  'maxHoleArea',
  'dilateRadius',
  'elevation',
] as const;
const NUMERIC_FIELDS = ['maskThreshold', 'markerThreshold', 'minNucleusArea', 'minMarkerArea', 'maxHoleArea', 'dilateRadius'] as const;

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
  // Another recipe than the base's starts from that recipe's own defaults.
  if (recipe !== base.recipe) base = resolvePostprocessParams(recipe);
  const overrides: Record<string, number | string> = {};
  for (const f of NUMERIC_FIELDS) {
    const raw = q.get(f);
    const v = raw === null || raw === '' ? NaN : Number(raw);
    overrides[f] = Number.isFinite(v) ? v : base[f];
  }
  overrides.elevation = q.get('elevation') ?? base.elevation;
  return resolvePostprocessParams(recipe, overrides as PostprocessOverrides);
}

/** Whether a query string names any post-processing parameter. */
export function queryHasParams(q: URLSearchParams): boolean {
  return QUERY_FIELDS.some((f) => q.has(f));
}

/**
 * The model's default parameters as the server's `/grid` reports them (`model.postprocess`),
 * or undefined when absent or invalid.
 */
export function modelDefaultParams(model: unknown): PostprocessParams | undefined {
  const p = (model as { postprocess?: unknown } | undefined)?.postprocess;
  if (!p || typeof p !== 'object') return undefined;
  try {
    validatePostprocessParams(p as PostprocessParams);
    return p as PostprocessParams;
  } catch {
    return undefined;
  }
}

/** A string equal for equal parameters: the cache key of results computed with them. */
export function paramsKey(params: PostprocessParams): string {
  return paramsToQuery(params).toString();
}

/** `params` with one field changed (parameters are immutable). */
export function withField(params: PostprocessParams, field: TunableField, value: number): PostprocessParams {
  return { ...params, [field]: value };
}
