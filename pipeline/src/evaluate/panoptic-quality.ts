/**
 * Panoptic quality and detection scores at IoU > 0.5.
 * Browser-safe: no Node built-ins.
 */
import { scoreRatio, type Contingency } from './contingency.js';
import type { InstanceMatches } from './instance-matching.js';

/** Panoptic quality and its two factors, with the detection counts behind them. */
export interface PanopticScores {
  /** Panoptic quality, DQ x SQ. */
  readonly pq: number;
  /** Detection quality, TP / (TP + FP/2 + FN/2): the detection F1 at IoU > 0.5. */
  readonly dq: number;
  /** Segmentation quality: mean IoU of the matched pairs (0 when none). */
  readonly sq: number;
  /** TP / (TP + FP). */
  readonly precision: number;
  /** TP / (TP + FN). */
  readonly recall: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

/**
 * Panoptic quality (Kirillov et al., CVPR 2019, DOI 10.1109/CVPR.2019.00963) over one
 * class, with detection precision and recall from the same IoU > 0.5 matches. A ratio whose
 * denominator is 0 is 1 when both images are empty and 0 otherwise.
 * @param table the contingency table of ground truth and prediction.
 * @param matches {@link matchInstances} of the same table.
 * @example
 * const t = contingencyTable(gt, pred);
 * const { pq, dq, sq } = panopticQuality(t, matchInstances(t));
 */
export function panopticQuality(table: Contingency, matches: InstanceMatches): PanopticScores {
  const tp = matches.gt.length;
  const fp = table.predIds.length - tp;
  const fn = table.gtIds.length - tp;
  let iouSum = 0;
  for (let k = 0; k < tp; k++) iouSum += matches.iou[k];
  const dq = scoreRatio(tp, tp + 0.5 * fp + 0.5 * fn, table);
  const sq = scoreRatio(iouSum, tp, table);
  return {
    pq: dq * sq,
    dq,
    sq,
    precision: scoreRatio(tp, tp + fp, table),
    recall: scoreRatio(tp, tp + fn, table),
    tp,
    fp,
    fn,
  };
}
