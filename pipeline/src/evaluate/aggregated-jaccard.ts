/**
 * Aggregated Jaccard Index, the MoNuSeg challenge's instance score.
 * Browser-safe: no Node built-ins.
 */
import { scoreRatio, type Contingency } from './contingency.js';

/**
 * Aggregated Jaccard Index exactly as the MoNuSeg challenge's AJI v1.0 code computes it
 * (Kumar et al., IEEE TMI 36(7) 2017, DOI 10.1109/TMI.2017.2677499): each ground-truth
 * nucleus is matched to the predicted nucleus of largest IoU with it (ties: the smaller
 * predicted id, as MATLAB's `max` over `unique` ids); the pair's intersection adds to C and
 * its union to U. A prediction may be matched by several ground-truth nuclei (its area then
 * counts in U each time). A ground-truth nucleus that overlaps no prediction adds its area
 * to U; every prediction matched by none adds its area to U. AJI = C / U (1 when both
 * images are empty).
 * @param table the contingency table of ground truth and prediction.
 * @returns AJI in [0, 1].
 * @example
 * const aji = aggregatedJaccardIndex(contingencyTable(gt, pred));
 */
export function aggregatedJaccardIndex(table: Contingency): number {
  const { gtAreas, predAreas, pairPred, pairCount, pairStart } = table;
  const used = new Uint8Array(predAreas.length);
  let c = 0;
  let u = 0;
  for (let g = 0; g < gtAreas.length; g++) {
    const ag = gtAreas[g];
    let best = -1;
    let bestIou = -1;
    let bestInter = 0;
    let bestUnion = ag;
    // Pairs are in ascending prediction order, so a strict '>' keeps the smaller id on ties.
    for (let k = pairStart[g]; k < pairStart[g + 1]; k++) {
      const inter = pairCount[k];
      const union = ag + predAreas[pairPred[k]] - inter;
      const iou = inter / union;
      if (iou > bestIou) {
        bestIou = iou;
        best = pairPred[k];
        bestInter = inter;
        bestUnion = union;
      }
    }
    c += bestInter;
    u += bestUnion;
    if (best >= 0) used[best] = 1;
  }
  for (let p = 0; p < predAreas.length; p++) if (used[p] === 0) u += predAreas[p];
  return scoreRatio(c, u, table);
}
