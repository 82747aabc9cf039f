/** The post-processing parameters a cell's choice means for a given pair of maps. */
import { resolvePostprocessParams, type PostprocessOverrides, type PostprocessParams, type RecipeName } from '@nucleilens/pipeline';
import type { Probabilities } from '../views/probabilities.js';

/** Overrides of post-processing: a recipe name and any of its numbers. */
export type PostprocessChoice = PostprocessOverrides & { readonly recipe?: RecipeName };

/**
 * The maps' default parameters with `choice` on top; naming another recipe than the maps'
 * own starts from that recipe's defaults (numbers tuned for one recipe do not carry over).
 * @throws {InvalidArgumentError} for an unknown recipe or an out-of-range number.
 * @example
 * resolveChoice(probs, { maskThreshold: 0.3 });
 */
export function resolveChoice(probs: Probabilities, choice: PostprocessChoice = {}): PostprocessParams {
  const { recipe, ...overrides } = choice;
  const defaults = probs.info.defaults;
  const own = recipe === undefined || recipe === defaults.recipe;
  return resolvePostprocessParams(recipe ?? defaults.recipe, own ? { ...defaults, ...overrides } : overrides);
}
