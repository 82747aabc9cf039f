/**
 * Post-processing parameters from a query string (docs/API.md): `recipe`, `maskThreshold`,
 * `markerThreshold`, `minArea`, `minMarkerArea`, `maxHole`, over the model card's defaults.
 * The `PostprocessParams` field names (`minNucleusArea`, `maxHoleArea`, `dilateRadius`,
 * `elevation`) are accepted too, since the viewer sends those.
 */
import {
  InvalidArgumentError,
  postprocessParamsForModel,
  type ElevationKind,
  type ModelCard,
  type PostprocessOverrides,
  type PostprocessParams,
} from '@nucleilens/pipeline';

/** Query name -> `PostprocessParams` field, for the numeric parameters. */
const NUMERIC_QUERY: Readonly<Record<string, keyof PostprocessOverrides>> = {
  maskThreshold: 'maskThreshold',
  markerThreshold: 'markerThreshold',
  minArea: 'minNucleusArea',
  minNucleusArea: 'minNucleusArea',
  minMarkerArea: 'minMarkerArea',
  maxHole: 'maxHoleArea',
  maxHoleArea: 'maxHoleArea',
  dilateRadius: 'dilateRadius',
};

/** Parameters of one request and the string equal requests share (a cache key). */
export interface ResolvedPostprocess {
  readonly params: PostprocessParams;
  readonly key: string;
}

/** A canonical string of `params` (fixed key order). */
export function postprocessKey(params: PostprocessParams): string {
  const entries = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([k, v]) => `${k}=${String(v)}`).join('&');
}

function single(name: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new InvalidArgumentError(`${name} must be given once`);
  return raw;
}

/**
 * Reads the post-processing parameters of a request.
 * @param query the parsed query string (Express `req.query`)
 * @param card the model's card (its thresholds are the defaults)
 * @throws {InvalidArgumentError} for a non-numeric or out-of-range value, an unknown recipe or elevation.
 * @example
 * const { params, key } = postprocessFromQuery({ maskThreshold: '0.4' }, card);
 */
export function postprocessFromQuery(query: Readonly<Record<string, unknown>>, card: ModelCard): ResolvedPostprocess {
  const overrides: Record<string, number | string> = {};
  for (const [name, field] of Object.entries(NUMERIC_QUERY)) {
    const raw = single(name, query[name]);
    if (raw === undefined) continue;
    const v = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`${name} must be a number, got "${raw.slice(0, 40)}"`);
    overrides[field] = v;
  }
  const elevation = single('elevation', query.elevation);
  if (elevation !== undefined) overrides.elevation = elevation as ElevationKind;
  const recipe = single('recipe', query.recipe);
  const params = postprocessParamsForModel(card, recipe, overrides as PostprocessOverrides);
  return { params, key: postprocessKey(params) };
}
