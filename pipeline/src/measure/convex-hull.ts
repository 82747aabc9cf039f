/**
 * Convex hull area by Andrew's monotone chain (A. M. Andrew, "Another efficient algorithm for
 * convex hulls in two dimensions", Information Processing Letters 9(5), 1979,
 * DOI 10.1016/0020-0190(79)90072-3). Browser-safe.
 */

function cross(ox: number, oy: number, ax: number, ay: number, bx: number, by: number): number {
  return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);
}

/**
 * Area of the convex hull of points given as flat [x0, y0, x1, y1, ...].
 * @returns 0 for fewer than three non-collinear points
 */
export function convexHullArea(points: readonly number[]): number {
  const n = points.length / 2;
  if (n < 3) return 0;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => points[2 * i] - points[2 * j] || points[2 * i + 1] - points[2 * j + 1],
  );
  const hull: number[] = []; // vertex indices
  const build = (indices: Iterable<number>): void => {
    const start = hull.length;
    for (const i of indices) {
      const x = points[2 * i];
      const y = points[2 * i + 1];
      while (hull.length >= start + 2) {
        const a = hull[hull.length - 2];
        const b = hull[hull.length - 1];
        if (cross(points[2 * a], points[2 * a + 1], points[2 * b], points[2 * b + 1], x, y) > 0) break;
        hull.pop();
      }
      hull.push(i);
    }
    hull.pop(); // the last point of each chain starts the other
  };
  build(order);
  build(order.slice().reverse());
  let twice = 0;
  for (let k = 0; k < hull.length; k++) {
    const a = hull[k];
    const b = hull[(k + 1) % hull.length];
    twice += points[2 * a] * points[2 * b + 1] - points[2 * b] * points[2 * a + 1];
  }
  return Math.abs(twice) / 2;
}
