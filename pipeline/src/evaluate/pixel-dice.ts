/**
 * Pixel-level Dice of the foregrounds.
 * Browser-safe: no Node built-ins.
 */
import { scoreRatio, type Contingency } from './contingency.js';

/**
 * Dice coefficient of the binary foregrounds (any label vs background), 2|G∩P| / (|G|+|P|),
 * ignoring which instance a pixel belongs to (1 when both are empty).
 * @param table the contingency table of ground truth and prediction.
 * @returns Dice in [0, 1].
 * @example
 * const dice = pixelDice(contingencyTable(gt, pred));
 */
export function pixelDice(table: Contingency): number {
  let inter = 0;
  for (let k = 0; k < table.pairCount.length; k++) inter += table.pairCount[k];
  let total = 0;
  for (let g = 0; g < table.gtAreas.length; g++) total += table.gtAreas[g];
  for (let p = 0; p < table.predAreas.length; p++) total += table.predAreas[p];
  return scoreRatio(2 * inter, total, table);
}
