/**
 * The model and post-processing options shared by `segment` and `eval-monuseg`: which
 * model, which execution provider and thread count, which recipe and thresholds.
 */
import {
  InvalidArgumentError,
  loadModel,
  postprocessParamsForModel,
  type PostprocessParams,
  type UsenetModel,
} from '@nucleilens/pipeline';
import type { OptionSpecs, ParsedArgs } from './args.js';

/** Option specs for model choice and post-processing; spread into a command's `options`. */
export const MODEL_OPTIONS: OptionSpecs = {
  model: { kind: 'string', description: 'model name in models/ or path to a .onnx / card .json (default: models/default.json)', placeholder: 'NAME|PATH' },
  provider: { kind: 'string', description: 'execution provider: auto (CUDA, else CPU; default), cuda or cpu', placeholder: 'auto|cuda|cpu' },
  threads: { kind: 'number', description: 'CPU inference threads (default: all cores)', placeholder: 'N' },
  recipe: { kind: 'string', description: "post-processing recipe: paper or default (default: the model card's)", placeholder: 'paper|default' },
  'mask-threshold': { kind: 'number', description: 'nucleus probability threshold in [0, 1] (default: the model card\'s)', placeholder: 'T' },
  'marker-threshold': { kind: 'number', description: 'marker probability threshold in [0, 1] (default: the model card\'s)', placeholder: 'T' },
  tile: { kind: 'number', description: "core tile side in px, a multiple of 32 (default: the model card's, 512)", placeholder: 'PX' },
  halo: { kind: 'number', description: "context around each tile in px, a multiple of 32 (default: the model card's, 64)", placeholder: 'PX' },
};

/** Loads the model the options name. @throws as `loadModel`, {@link InvalidArgumentError} for a bad --provider. */
export async function loadModelFromArgs(args: ParsedArgs): Promise<UsenetModel> {
  const provider = args.strings.get('provider') ?? 'auto';
  if (provider !== 'auto' && provider !== 'cuda' && provider !== 'cpu') {
    throw new InvalidArgumentError(`--provider must be auto, cuda or cpu, got "${provider}"`);
  }
  return loadModel(args.strings.get('model'), { executionProvider: provider, threads: args.numbers.get('threads') });
}

/** Post-processing parameters: the card's, then --recipe and the threshold options. */
export function postprocessParamsFromArgs(model: UsenetModel, args: ParsedArgs): PostprocessParams {
  return postprocessParamsForModel(model.card, args.strings.get('recipe'), {
    maskThreshold: args.numbers.get('mask-threshold'),
    markerThreshold: args.numbers.get('marker-threshold'),
  });
}

/** Tile and halo from the options, falling back to the model card. */
export function tilingFromArgs(model: UsenetModel, args: ParsedArgs): { tile: number; halo: number } {
  return { tile: args.numbers.get('tile') ?? model.card.tile, halo: args.numbers.get('halo') ?? model.card.halo };
}
