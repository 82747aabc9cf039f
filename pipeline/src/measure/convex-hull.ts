/**
 * Convex hull area of a region's pixel corners by Andrew's monotone chain (A. M. Andrew,
 * "Another efficient algorithm for convex hulls in two dimensions", Information Processing
 * Letters 9(5), 1979, DOI 10.1016/0020-0190(79)90072-3), fed from row spans so that no sort
 * is needed. Browser-safe.
 */

// Chain stacks as flat (level, column) pairs, reused across calls (grown on demand): one
// hull per nucleus would otherwise allocate two arrays per nucleus.
let leftChain = new Int32Array(256);
let rightChain = new Int32Array(256);

/**
 * Pushes point (u, w) onto a monotone chain of `n / 2` points, first popping the points it
 * makes redundant: those where the chain fails to turn left (`turn` 1) or right (`turn` -1).
 * @returns the chain's new length in numbers
 */
function pushOnChain(chain: Int32Array, n: number, u: number, w: number, turn: 1 | -1): number {
  let m = n;
  while (m >= 4) {
    const au = chain[m - 4];
    const aw = chain[m - 3];
    const cross = (chain[m - 2] - au) * (w - aw) - (chain[m - 1] - aw) * (u - au);
    if (turn * cross > 0) break;
    m -= 2;
  }
  chain[m] = u;
  chain[m + 1] = w;
  return m + 2;
}

/**
 * Area of the convex hull of every pixel corner of a region given by its row spans.
 *
 * Each corner level y (a pixel-row boundary) gets the corners of the spans of rows y - 1
 * and y; only the left-most and right-most of them can be hull vertices (the rest lie on
 * the segment between those two). Taken level by level, the left-most corners come sorted
 * by y, and so do the right-most: the monotone chain (with the roles of x and y swapped, a
 * reflection that keeps the area) builds the left side of the hull from the first and the
 * right side from the second, and the two sides join at the top and bottom levels. Corners
 * are integers, so the area is exact.
 * @param spans flat [row, minCol, maxCol + 1, ...] triples in increasing row order (rows may skip)
 * @param start first triple of the region
 * @param end one past its last triple (end > start)
 * @returns the hull area in px² (at least 1: a pixel's corners enclose it)
 * @example
 * // An L: rows 0 and 1 cover column 0, row 2 columns 0..2; hull (0,0) (1,0) (3,2) (3,3) (0,3).
 * spanHullArea(new Int32Array([0, 0, 1, 1, 0, 1, 2, 0, 3]), 0, 3); // 7
 */
export function spanHullArea(spans: Int32Array, start: number, end: number): number {
  const need = 4 * (end - start) + 4; // two levels per span at most, two numbers per point
  if (leftChain.length < need) {
    leftChain = new Int32Array(2 * need);
    rightChain = new Int32Array(2 * need);
  }
  const left = leftChain;
  const right = rightChain;
  let nl = 0;
  let nr = 0;
  for (let s = start; s < end; s++) {
    const row = spans[3 * s];
    const lo = spans[3 * s + 1];
    const hi = spans[3 * s + 2];
    const joinsAbove = s > start && spans[3 * s - 3] === row - 1;
    nl = pushOnChain(left, nl, row, joinsAbove ? Math.min(lo, spans[3 * s - 2]) : lo, 1);
    nr = pushOnChain(right, nr, row, joinsAbove ? Math.max(hi, spans[3 * s - 1]) : hi, -1);
    if (s + 1 === end || spans[3 * s + 3] !== row + 1) {
      nl = pushOnChain(left, nl, row + 1, lo, 1);
      nr = pushOnChain(right, nr, row + 1, hi, -1);
    }
  }
  // Shoelace over the ring: the left chain down, across the bottom level, the right chain
  // back up, across the top level.
  let twice = 0;
  for (let k = 0; k + 2 < nl; k += 2) twice += left[k] * left[k + 3] - left[k + 2] * left[k + 1];
  twice += left[nl - 2] * right[nr - 1] - right[nr - 2] * left[nl - 1];
  for (let k = 0; k + 2 < nr; k += 2) twice -= right[k] * right[k + 3] - right[k + 2] * right[k + 1];
  twice += right[0] * left[1] - left[0] * right[1];
  return Math.abs(twice) / 2;
}
