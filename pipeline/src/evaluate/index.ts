/**
 * Scoring instance segmentations against ground truth (AJI, Dice, PQ, detection F1).
 * Browser-safe (no Node built-ins); published as `@nucleilens/pipeline/evaluate`.
 */
export { contingencyTable, scoreRatio, type Contingency } from './contingency.js';
export { aggregatedJaccardIndex } from './aggregated-jaccard.js';
export { pixelDice } from './pixel-dice.js';
export { matchInstances, type InstanceMatches } from './instance-matching.js';
export { panopticQuality, type PanopticScores } from './panoptic-quality.js';
export { evaluate, type EvaluationScores } from './evaluate.js';
