/**
 * Equal-width histogram bins, shared by the notebook figures and the viewer's histogram so
 * both count nuclei the same way. Browser-safe: no Node built-ins.
 */
import { InvalidArgumentError } from '../errors/index.js';

/** Counts of values in `counts.length` equal bins from `lo`, each `width` wide (the last one closed). */
export interface HistogramBins {
  readonly lo: number;
  readonly width: number;
  readonly counts: number[];
  /** The largest count (0 when no value is finite). */
  readonly maxCount: number;
}

/**
 * Bins the finite values of `values` into `bins` equal bins between their minimum and
 * maximum (bins of width 1 from the value when all are equal; no counts when none is
 * finite). Non-finite values are left out.
 * @throws {InvalidArgumentError} when bins is not a positive integer.
 * @example
 * equalBins([1, 2, 2, 4], 3); // { lo: 1, width: 1, counts: [1, 2, 1], maxCount: 2 }
 */
export function equalBins(values: ArrayLike<number>, bins: number): HistogramBins {
  if (!Number.isInteger(bins) || bins < 1) throw new InvalidArgumentError(`bins must be a positive integer, got ${bins}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (lo > hi) return { lo: 0, width: 1, counts: [], maxCount: 0 };
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isFinite(x)) counts[Math.min(bins - 1, Math.floor((x - lo) / width))]++;
  }
  let maxCount = 0;
  for (const c of counts) if (c > maxCount) maxCount = c;
  return { lo, width, counts, maxCount };
}
