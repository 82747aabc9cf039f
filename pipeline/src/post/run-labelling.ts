/**
 * Connected components by runs: each row's horizontal runs are united with the runs they
 * touch in the row above (union-find), so the work grows with the number of runs, not with
 * pixels x neighbours. The components are returned as runs; callers that need a label
 * image fill it run by run. Internal to pipeline/post.
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

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Labels the components of the pixels where `(mask.data[i] !== 0) === nonZero`: the
 * foreground when `nonZero` is true, the background (for holes) when false.
 */
export function labelRuns(mask: BinaryMask, connectivity: Connectivity, nonZero = true): RunComponents {
  const { width, height, data } = mask;
  let start: Int32Array = new Int32Array(1024);
  let end: Int32Array = new Int32Array(1024);
  let parent: Int32Array = new Int32Array(1024);
  let runs = 0;
  // 8-neighbour runs touch when they overlap after widening by one pixel.
  const reach = connectivity === 8 ? 1 : 0;
  let prevFirst = 0;
  let prevLast = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const rowEnd = row + width;
    const first = runs;
    let j = prevFirst;
    let x = row;
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
        parent = grow(parent);
      }
      const id = runs++;
      start[id] = a;
      end[id] = x;
      parent[id] = id;
      // Runs of the row above, shifted down one row, touch [a - reach, x + reach).
      const lo = a - width - reach;
      const hi = x - width + reach;
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
    prevFirst = first;
    prevLast = runs;
  }
  const label = new Int32Array(runs);
  let count = 0;
  for (let r = 0; r < runs; r++) {
    const p = parent[r];
    // Parents have smaller indices, so they are already resolved.
    label[r] = p === r ? ++count : label[p];
  }
  const area = new Float64Array(count + 1);
  for (let r = 0; r < runs; r++) area[label[r]] += end[r] - start[r];
  return { runs, start, end, label, count, area };
}
