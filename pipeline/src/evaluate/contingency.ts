/**
 * The contingency table of two label images: how many pixels each (ground truth,
 * prediction) pair of instances shares. Every score in this module is read from it.
 * Browser-safe: no Node built-ins.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { LabelImage } from '../raster/types.js';
import { assertRasterShape, assertSameSize } from '../raster/create.js';

/**
 * Sparse overlap counts between ground-truth and predicted instances. Instances are
 * indexed 0..nGt-1 and 0..nPred-1 in ascending order of their label ids; pairs are listed
 * gt-major, then by prediction index, and only pairs that share at least one pixel appear.
 */
export interface Contingency {
  /** Label id of each ground-truth instance, ascending. */
  readonly gtIds: Int32Array;
  /** Label id of each predicted instance, ascending. */
  readonly predIds: Int32Array;
  /** Pixel count of each ground-truth instance. */
  readonly gtAreas: Float64Array;
  /** Pixel count of each predicted instance. */
  readonly predAreas: Float64Array;
  /** Ground-truth index of each overlapping pair. */
  readonly pairGt: Int32Array;
  /** Prediction index of each overlapping pair. */
  readonly pairPred: Int32Array;
  /** Shared pixels of each pair. */
  readonly pairCount: Float64Array;
  /** `pairStart[g]..pairStart[g+1]-1` are ground truth g's pairs (length nGt + 1). */
  readonly pairStart: Int32Array;
}

/** Largest label of `data`. @throws {InvalidArgumentError} on a negative label. */
function maxLabel(name: string, data: Int32Array): number {
  let max = 0;
  let min = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v > max) max = v;
    else if (v < min) min = v;
  }
  if (min < 0) throw new InvalidArgumentError(`${name} has a negative label ${min}`);
  return max;
}

/**
 * Dense ids for counting by id: `data` itself when its ids are small (the usual case),
 * else a copy with ids replaced by their rank among the distinct ids (hashed tile ids),
 * plus the table from dense id back to label id (null when they are the same).
 */
function denseIds(data: Int32Array, max: number): { dense: Int32Array; max: number; original: Int32Array | null } {
  if (max <= 4 * data.length + 1024) return { dense: data, max, original: null };
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) seen.add(data[i]);
  const ids = Int32Array.from(seen).sort();
  const rank = new Map<number, number>();
  ids.forEach((v, k) => rank.set(v, k + 1));
  const dense = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) dense[i] = rank.get(data[i]) as number;
  const original = new Int32Array(ids.length + 1);
  original.set(ids, 1);
  return { dense, max: ids.length, original };
}

/** Instances present in `areas` (indexed by dense id): their label ids and areas, and each id's index + 1. */
function compact(
  areas: Float64Array,
  original: Int32Array | null,
): { ids: Int32Array; areas: Float64Array; index: Int32Array } {
  const index = new Int32Array(areas.length);
  let n = 0;
  for (let v = 1; v < areas.length; v++) if (areas[v] > 0) index[v] = ++n;
  const ids = new Int32Array(n);
  const out = new Float64Array(n);
  for (let v = 1; v < areas.length; v++) {
    const k = index[v];
    if (k === 0) continue;
    ids[k - 1] = original ? original[v] : v;
    out[k - 1] = areas[v];
  }
  return { ids, areas: out, index };
}

/**
 * Builds the {@link Contingency} of `gt` and `pred` in one pass over the pixels (plus a
 * pass per image for its largest id).
 * @param gt width x height ground-truth labels, Int32 ids >= 0 (0 = background).
 * @param pred width x height predicted labels, same size.
 * @throws {ShapeError} when the sizes differ or a data length is wrong.
 * @throws {InvalidArgumentError} when a label is negative.
 * @example
 * const t = contingencyTable(gtLabels, predLabels);
 * t.pairCount.length; // number of overlapping (gt, pred) pairs
 */
export function contingencyTable(gt: LabelImage, pred: LabelImage): Contingency {
  assertRasterShape('ground truth', gt);
  assertRasterShape('prediction', pred);
  assertSameSize('ground truth', gt, 'prediction', pred);
  const g = denseIds(gt.data, maxLabel('ground truth', gt.data));
  const p = denseIds(pred.data, maxLabel('prediction', pred.data));
  const gRaw = new Float64Array(g.max + 1);
  const pRaw = new Float64Array(p.max + 1);
  const pairs = new Map<number, number>();
  // Keys a * stride + b stay below 2^53: dense ids are at most 4n + 1024.
  const stride = p.max + 1;
  const gd = g.dense;
  const pd = p.dense;
  // Instances are runs along rows, so consecutive pixels mostly repeat the same pair:
  // count runs locally and touch the Map once per run.
  let runKey = -1;
  let run = 0;
  for (let i = 0; i < gd.length; i++) {
    const a = gd[i];
    const b = pd[i];
    gRaw[a]++;
    pRaw[b]++;
    if (a === 0 || b === 0) continue;
    const key = a * stride + b;
    if (key === runKey) {
      run++;
      continue;
    }
    if (run > 0) pairs.set(runKey, (pairs.get(runKey) ?? 0) + run);
    runKey = key;
    run = 1;
  }
  if (run > 0) pairs.set(runKey, (pairs.get(runKey) ?? 0) + run);
  const gc = compact(gRaw, g.original);
  const pc = compact(pRaw, p.original);
  const nGt = gc.ids.length;
  // Sorting raw keys sorts by (gt id, prediction id), i.e. by (gt index, prediction index).
  const keys = Float64Array.from(pairs.keys()).sort();
  const pairGt = new Int32Array(keys.length);
  const pairPred = new Int32Array(keys.length);
  const pairCount = new Float64Array(keys.length);
  const pairStart = new Int32Array(nGt + 1);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    const a = Math.floor(key / stride);
    const gi = gc.index[a] - 1;
    pairGt[k] = gi;
    pairPred[k] = pc.index[key - a * stride] - 1;
    pairCount[k] = pairs.get(key) as number;
    pairStart[gi + 1]++;
  }
  for (let gi = 0; gi < nGt; gi++) pairStart[gi + 1] += pairStart[gi];
  return {
    gtIds: gc.ids,
    predIds: pc.ids,
    gtAreas: gc.areas,
    predAreas: pc.areas,
    pairGt,
    pairPred,
    pairCount,
    pairStart,
  };
}

/**
 * A score's ratio with the convention every score here uses for an empty denominator:
 * 1 when ground truth and prediction are both empty (nothing to find, nothing found),
 * 0 otherwise.
 */
export function scoreRatio(numerator: number, denominator: number, table: Contingency): number {
  if (denominator > 0) return numerator / denominator;
  return table.gtIds.length === 0 && table.predIds.length === 0 ? 1 : 0;
}
