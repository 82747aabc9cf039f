/**
 * Running the USE-Net ONNX model with onnxruntime-node: model cards, loading with an
 * execution-provider fallback, single-tile and tiled whole-image inference. Node-only.
 */
export {
  parseModelCard,
  readModelCard,
  DEFAULT_MODEL_IO,
  type ModelCard,
  type ModelCardInput,
  type ModelCardOutputs,
  type ModelCardThresholds,
} from './model-card.js';
export {
  resolveModel,
  listModels,
  defaultModelDirs,
  DEFAULT_MODEL_NAME,
  type ResolvedModel,
  type ModelListing,
} from './resolve-model.js';
export {
  loadModel,
  probeExecutionProvider,
  type ProviderProbe,
  type LoadModelOptions,
  type UsenetModel,
  type NchwBatch,
  type ExecutionProviderPreference,
  type ExecutionProviderName,
} from './load-model.js';
export { reflectIndex, reflectWindow, writeNchwSlot } from './reflect-window.js';
export { predictTile, predictTiles, type PredictedMaps } from './predict-tile.js';
export {
  predictImage,
  planTileGrid,
  type PredictImageOptions,
  type PredictImageResult,
  type TileGrid,
  type TileProgress,
} from './predict-image.js';
