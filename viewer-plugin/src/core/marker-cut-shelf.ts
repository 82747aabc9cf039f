/**
 * The marker cuts a tuning worker keeps for one preview window, and the ones it computes
 * ahead while the user looks at a result. DOM-free.
 *
 * A marker-threshold (or minimum-marker-area) step recomputes the paper recipe's watershed
 * for every tile in view, more than half of such a step's work in the workers (Node, the
 * frame-time benchmark's 12 windows: 72-76 ms a marker step, 25-37 ms a mask step, which
 * reuses the cut). A user stepping the marker slider (arrow keys, a slow drag) asks next for
 * the value one step on: with that cut computed while the result is on screen, the step
 * costs what a mask step costs.
 */
import { markerCutKey, type MarkerCut } from '@nucleilens/pipeline/post';
import { TUNABLE_SLIDERS, withField, type PostprocessParams, type SliderSpec, type TunableField } from './tuning-params.js';

/**
 * Cuts kept per window: the current one, the one a step back (where the user came from), the
 * one a step on, and one more. A 640x640 window's cut is its line pixels, ~0.1 MB.
 */
export const CUTS_KEPT = 4;

/** The sliders whose change needs a new cut. */
const CUT_FIELDS: readonly TunableField[] = ['markerThreshold', 'minMarkerArea'];

/**
 * The slider's value `steps` steps from `value`, as the range input reports it (decimal
 * steps, not binary sums: 0.57, never 0.5700000000000001); undefined outside its range.
 * @example
 * sliderStep({ field: 'markerThreshold', label: '', min: 0, max: 0.99, step: 0.01 }, 0.56, 1); // 0.57
 */
export function sliderStep(spec: SliderSpec, value: number, steps: number): number | undefined {
  const decimals = (String(spec.step).split('.')[1] ?? '').length;
  const k = Math.round((value - spec.min) / spec.step) + steps;
  const v = Number((spec.min + k * spec.step).toFixed(decimals));
  return v < spec.min || v > spec.max ? undefined : v;
}

/**
 * The parameters whose cut to compute ahead after a change from `previous` to `current`:
 * when a marker-stage slider moved by one step (an arrow key, a slow drag), one more step
 * the same way. Only then: after a jump (a click on the slider's track) the next value is
 * anyone's guess, and a cut computed for a wrong guess costs CPU and may delay the next
 * change, which waits for the tile being cut. The step back is the cut the user came from,
 * still kept. Undefined otherwise, at the slider's end, or for a recipe that keeps no cut.
 * @example
 * cutAheadParams({ ...PAPER_PARAMS, markerThreshold: 0.2 }, { ...PAPER_PARAMS, markerThreshold: 0.21 })?.markerThreshold; // 0.22
 */
export function cutAheadParams(previous: PostprocessParams | undefined, current: PostprocessParams): PostprocessParams | undefined {
  if (!previous || markerCutKey(current) === undefined) return undefined;
  const field = CUT_FIELDS.find((f) => current[f] !== previous[f]);
  if (field === undefined) return undefined;
  const spec = TUNABLE_SLIDERS.find((s) => s.field === field)!;
  const way = Math.sign(current[field] - previous[field]);
  if (sliderStep(spec, previous[field], way) !== current[field]) return undefined;
  const v = sliderStep(spec, current[field], way);
  return v === undefined ? undefined : withField(current, field, v);
}

/**
 * The cut on `shelf` (most recently used first) made for `params`' marker stage, moved to
 * the front; undefined when there is none.
 */
export function takeCut(shelf: MarkerCut[], params: PostprocessParams): MarkerCut | undefined {
  const key = markerCutKey(params);
  if (key === undefined) return undefined;
  const i = shelf.findIndex((c) => c.key === key);
  if (i < 0) return undefined;
  const [cut] = shelf.splice(i, 1);
  shelf.unshift(cut);
  return cut;
}

/** Whether `shelf` holds the cut for `params`' marker stage. */
export function hasCut(shelf: readonly MarkerCut[], params: PostprocessParams): boolean {
  const key = markerCutKey(params);
  return key !== undefined && shelf.some((c) => c.key === key);
}

/** Puts `cut` first on `shelf`, replacing one with its key, and drops the least recently used past {@link CUTS_KEPT}. */
export function shelveCut(shelf: MarkerCut[], cut: MarkerCut): void {
  const i = shelf.findIndex((c) => c.key === cut.key);
  if (i >= 0) shelf.splice(i, 1);
  shelf.unshift(cut);
  if (shelf.length > CUTS_KEPT) shelf.length = CUTS_KEPT;
}
