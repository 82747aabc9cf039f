/**
 * The post-processing parameters a model's card asks for: the recipe and thresholds the
 * model was tuned with, over the recipe's defaults, with caller overrides on top.
 */
import { resolvePostprocessParams, type PostprocessOverrides, type PostprocessParams } from '../post/index.js';
import type { ModelCard } from '../model/model-card.js';

/**
 * Resolves post-processing parameters for a model.
 * @param card the model's card; its `thresholds` fill what `overrides` leave undefined
 * @param recipe recipe name; default the card's `thresholds.recipe`, else `'default'`
 * @param overrides explicit values (e.g. from the command line), applied last
 * @throws {InvalidArgumentError} for an unknown recipe or an out-of-range value.
 * @example
 * const params = postprocessParamsForModel(model.card, 'paper', { maskThreshold: 0.3 });
 */
export function postprocessParamsForModel(
  card: ModelCard,
  recipe?: string,
  overrides: PostprocessOverrides = {},
): PostprocessParams {
  const t = card.thresholds;
  const fromCard: PostprocessOverrides = {
    maskThreshold: t.mask ?? undefined,
    markerThreshold: t.marker ?? undefined,
    minNucleusArea: t.minMaskArea ?? undefined,
    minMarkerArea: t.minMarkerArea ?? undefined,
    dilateRadius: t.dilateRadius ?? undefined,
  };
  const merged: Record<string, unknown> = { ...fromCard };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) merged[k] = v;
  return resolvePostprocessParams(recipe ?? t.recipe ?? 'default', merged as PostprocessOverrides);
}
