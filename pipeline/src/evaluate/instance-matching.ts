/**
 * One-to-one matching of instances at IoU > 0.5.
 * Browser-safe: no Node built-ins.
 */
import type { Contingency } from './contingency.js';

/** Matched pairs, as indices into the table's instance lists, with their IoU. */
export interface InstanceMatches {
  readonly gt: Int32Array;
  readonly pred: Int32Array;
  readonly iou: Float64Array;
}

/**
 * The pairs whose IoU is strictly above 0.5. Above 0.5 each instance can match at most one
 * other (two predictions cannot each cover more than half of a shared union), so the
 * matching is unique without any assignment step (Kirillov et al., "Panoptic
 * Segmentation", CVPR 2019, DOI 10.1109/CVPR.2019.00963, Theorem 1).
 * @param table the contingency table of ground truth and prediction.
 * @example
 * const m = matchInstances(contingencyTable(gt, pred)); // m.gt.length true positives
 */
export function matchInstances(table: Contingency): InstanceMatches {
  const { gtAreas, predAreas, pairGt, pairPred, pairCount } = table;
  const gt: number[] = [];
  const pred: number[] = [];
  const iou: number[] = [];
  for (let k = 0; k < pairCount.length; k++) {
    const inter = pairCount[k];
    const union = gtAreas[pairGt[k]] + predAreas[pairPred[k]] - inter;
    // inter / union > 0.5 without a division.
    if (2 * inter > union) {
      gt.push(pairGt[k]);
      pred.push(pairPred[k]);
      iou.push(inter / union);
    }
  }
  return { gt: Int32Array.from(gt), pred: Int32Array.from(pred), iou: Float64Array.from(iou) };
}
