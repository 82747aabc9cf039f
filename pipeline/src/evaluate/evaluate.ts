/**
 * All instance-segmentation scores of one image at once.
 * Browser-safe: no Node built-ins.
 */
import type { LabelImage } from '../raster/types.js';
import { aggregatedJaccardIndex } from './aggregated-jaccard.js';
import { contingencyTable } from './contingency.js';
import { matchInstances } from './instance-matching.js';
import { panopticQuality } from './panoptic-quality.js';
import { pixelDice } from './pixel-dice.js';

/** The scores {@link evaluate} returns (all in [0, 1] except the counts). */
export interface EvaluationScores {
  /** Aggregated Jaccard Index, MoNuSeg AJI v1.0. */
  readonly aji: number;
  /** Pixel Dice of the foregrounds. */
  readonly dice: number;
  /** Panoptic quality = dq x sq. */
  readonly pq: number;
  /** Detection quality at IoU > 0.5. */
  readonly dq: number;
  /** Mean IoU of matched pairs. */
  readonly sq: number;
  /** Detection F1 at IoU > 0.5 (equals dq). */
  readonly f1: number;
  readonly precision: number;
  readonly recall: number;
  /** Number of ground-truth instances. */
  readonly nGt: number;
  /** Number of predicted instances. */
  readonly nPred: number;
}

/**
 * Scores a predicted label image against ground truth: AJI, pixel Dice, panoptic quality
 * and detection precision / recall / F1 at IoU > 0.5, from one contingency table.
 * @param gt width x height ground-truth labels (Int32, 0 = background).
 * @param pred width x height predicted labels, same size.
 * @throws {ShapeError} when the sizes differ; {@link InvalidArgumentError} for negative ids.
 * @example
 * const { aji, pq, f1 } = evaluate(gtLabels, predLabels);
 */
export function evaluate(gt: LabelImage, pred: LabelImage): EvaluationScores {
  const table = contingencyTable(gt, pred);
  const panoptic = panopticQuality(table, matchInstances(table));
  return {
    aji: aggregatedJaccardIndex(table),
    dice: pixelDice(table),
    pq: panoptic.pq,
    dq: panoptic.dq,
    sq: panoptic.sq,
    f1: panoptic.dq,
    precision: panoptic.precision,
    recall: panoptic.recall,
    nGt: table.gtIds.length,
    nPred: table.predIds.length,
  };
}
