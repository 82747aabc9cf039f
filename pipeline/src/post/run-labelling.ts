/**
 * Connected components by runs: each row's horizontal runs are united with the runs they
 * touch in the row above (union-find), so the work grows with the number of runs, not with
 * pixels x neighbours. The components are returned as runs; callers that need a label
 * image fill it run by run. Run lists can also be complemented and merged, so a recipe can
 * chain several component steps (drop small objects, fill small background) without a pixel
 * pass between them. Internal to pipeline/post.
 *
 * Method: the run-based two-pass labelling of Rosenfeld & Pfaltz, "Sequential operations in
 * digital picture processing", J. ACM 13(4) 1966, DOI 10.1145/321356.321357, with
 * union-find (Wu, Otoo & Suzuki, "Optimizing two-pass connected-component labeling
 * algorithms", Pattern Analysis and Applications 12 (2009), DOI 10.1007/s10044-008-0109-y).
 */
import type { BinaryMask, Connectivity } from '../raster/types.js';

/** The components of a mask as runs in raster order. */
export interface RunComponents {
  /** Number of runs; the arrays below are valid up to this length. */
  readonly runs: number;
  /** Flat index of each run's first pixel. */
  readonly start: Int32Array;
  /** Flat index one past each run's last pixel. */
  readonly end: Int32Array;
  /** Component id of each run, 1..count, numbered in raster order of first pixels. */
  readonly label: Int32Array;
  /** Number of components. */
  readonly count: number;
  /** Pixel count of each component (index = id; index 0 unused). */
  readonly area: Float64Array;
}

/** `a` copied into an array twice its length: how run lists grow while they are scanned. */
export function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Horizontal runs in raster order, each inside one row: `[start[r], end[r])` as flat indices. */
/**
 * Writes `value` over the flat range [start, end). A plain loop: runs are short (tens of
 * pixels), and TypedArray.prototype.fill's cost per call made it 60 % of the paper recipe's
 * label writing in Node.
 */
export function fillRun(data: Int32Array | Uint8Array, value: number, start: number, end: number): void {
  for (let i = start; i < end; i++) data[i] = value;
}

/**
 * A label image's runs: maximal row runs of one nonzero label, in raster order (what the
 * paper recipe labels before it writes pixels). Measurement takes them instead of finding
 * them again in the pixels.
 */
export type LabelRuns = Pick<RunComponents, 'runs' | 'start' | 'end' | 'label'>;

export interface Runs {
  readonly runs: number;
  readonly start: Int32Array;
  readonly end: Int32Array;
}

/**
 * The runs of the pixels where `(mask.data[i] !== 0) === nonZero`: the foreground when
 * `nonZero` is true, the background (for holes) when false.
 */
export function scanRuns(mask: BinaryMask, nonZero = true): Runs {
  const { width, height, data } = mask;
  let start: Int32Array = new Int32Array(1024);
  let end: Int32Array = new Int32Array(1024);
  let runs = 0;
  for (let y = 0; y < height; y++) {
    const rowEnd = (y + 1) * width;
    let x = y * width;
    for (;;) {
      // Tight scans, one per polarity: this loop visits every pixel of the mask.
      if (nonZero) while (x < rowEnd && data[x] === 0) x++;
      else while (x < rowEnd && data[x] !== 0) x++;
      if (x >= rowEnd) break;
      const a = x;
      if (nonZero) while (x < rowEnd && data[x] !== 0) x++;
      else while (x < rowEnd && data[x] === 0) x++;
      if (runs === start.length) {
        start = grow(start);
        end = grow(end);
      }
      start[runs] = a;
      end[runs] = x;
      runs++;
    }
  }
  return { runs, start, end };
}

/**
 * Unites runs (raster order, `width` px per row) that touch: 4-connected runs when they
 * share a column with a run of the row above, 8-connected also diagonally.
 */
export function uniteRuns(runs: Runs, width: number, connectivity: Connectivity): RunComponents {
  const { start, end } = runs;
  const n = runs.runs;
  const parent = new Int32Array(n);
  // 8-neighbour runs touch when they overlap after widening by one pixel.
  const reach = connectivity === 8 ? 1 : 0;
  let row = -2;
  let rowFirst = 0;
  let prevFirst = 0;
  let prevLast = 0;
  let j = 0;
  for (let id = 0; id < n; id++) {
    const a = start[id];
    const y = (a / width) | 0;
    if (y !== row) {
      // Runs of the row above are the previous row's, if that row is the one just above.
      prevFirst = y === row + 1 ? rowFirst : id;
      prevLast = id;
      rowFirst = id;
      row = y;
      j = prevFirst;
    }
    parent[id] = id;
    // Runs of the row above, shifted down one row, touch [a - reach, end + reach).
    const lo = a - width - reach;
    const hi = end[id] - width + reach;
    while (j < prevLast && end[j] <= lo) j++;
    for (let k = j; k < prevLast && start[k] < hi; k++) {
      // Union, keeping the smaller run index as root: roots are first runs in raster order.
      let r1 = id;
      while (parent[r1] !== r1) r1 = parent[r1];
      let r2 = k;
      while (parent[r2] !== r2) {
        parent[r2] = parent[parent[r2]];
        r2 = parent[r2];
      }
      if (r1 < r2) parent[r2] = r1;
      else if (r2 < r1) parent[r1] = r2;
    }
  }
  const label = new Int32Array(n);
  let count = 0;
  for (let r = 0; r < n; r++) {
    const p = parent[r];
    // Parents have smaller indices, so they are already resolved.
    label[r] = p === r ? ++count : label[p];
  }
  const area = new Float64Array(count + 1);
  for (let r = 0; r < n; r++) area[label[r]] += end[r] - start[r];
  return { runs: n, start, end, label, count, area };
}

/**
 * Labels the components of the pixels where `(mask.data[i] !== 0) === nonZero`: the
 * foreground when `nonZero` is true, the background (for holes) when false.
 */
export function labelRuns(mask: BinaryMask, connectivity: Connectivity, nonZero = true): RunComponents {
  return uniteRuns(scanRuns(mask, nonZero), mask.width, connectivity);
}

/**
 * The runs of a `width` x `height` image that `runs` (raster order) leave uncovered: the
 * background of a mask known by its foreground runs, with no pass over pixels.
 */
export function complementRuns(runs: Runs, width: number, height: number): Runs {
  const cap = runs.runs + height;
  const start = new Int32Array(cap);
  const end = new Int32Array(cap);
  let n = 0;
  let r = 0;
  for (let y = 0; y < height; y++) {
    const rowEnd = (y + 1) * width;
    let x = y * width;
    for (; r < runs.runs && runs.start[r] < rowEnd; r++) {
      if (runs.start[r] > x) {
        start[n] = x;
        end[n++] = runs.start[r];
      }
      x = runs.end[r];
    }
    if (x < rowEnd) {
      start[n] = x;
      end[n++] = rowEnd;
    }
  }
  return { runs: n, start, end };
}

/**
 * The union of two disjoint run lists (raster order, `width` px per row) as one run list
 * in raster order, runs that abut within a row joined.
 */
export function mergeRuns(a: Runs, b: Runs, width: number): Runs {
  const cap = a.runs + b.runs;
  const start = new Int32Array(cap);
  const end = new Int32Array(cap);
  let n = 0;
  let i = 0;
  let k = 0;
  while (i < a.runs || k < b.runs) {
    const fromA = k >= b.runs || (i < a.runs && a.start[i] < b.start[k]);
    const s = fromA ? a.start[i] : b.start[k];
    const e = fromA ? a.end[i++] : b.end[k++];
    // A run ending where the next starts abuts it, unless the next starts a row.
    if (n > 0 && end[n - 1] === s && s % width !== 0) end[n - 1] = e;
    else {
      start[n] = s;
      end[n++] = e;
    }
  }
  return { runs: n, start, end };
}
