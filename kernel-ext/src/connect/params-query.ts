/** Post-processing parameters as the server's query string (docs/API.md names). */
import type { PostprocessChoice } from '../stages/params-choice.js';

/** The parameters a server request can carry. */
export type PostprocessChoiceQuery = PostprocessChoice;

// docs/API.md's query names for the pipeline's parameter names.
const QUERY_NAMES: Readonly<Record<string, string>> = {
  recipe: 'recipe',
  maskThreshold: 'maskThreshold',
  markerThreshold: 'markerThreshold',
  minNucleusArea: 'minArea',
  minMarkerArea: 'minMarkerArea',
  maxHoleArea: 'maxHole',
};

/**
 * `recipe=paper&maskThreshold=0.3...` for the given choice (unknown or unset keys are left out).
 * @example
 * paramsQuery({ maskThreshold: 0.3 }); // 'maskThreshold=0.3'
 */
export function paramsQuery(choice: PostprocessChoiceQuery): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(choice)) {
    const name = QUERY_NAMES[k];
    if (name && v !== undefined) q.set(name, String(v));
  }
  return q.toString();
}
