/**
 * Douglas-Peucker simplification of a closed ring (Douglas & Peucker 1973, "Algorithms for
 * the reduction of the number of points required to represent a digitized line or its
 * caricature", Cartographica 10(2), DOI 10.3138/FM57-6770-U75U-7727). Browser-safe.
 */

/** Distance from (px, py) to the segment (ax, ay)-(bx, by). */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax;
  const vy = by - ay;
  const len2 = vx * vx + vy * vy;
  let t = len2 > 0 ? ((px - ax) * vx + (py - ay) * vy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(px - (ax + t * vx), py - (ay + t * vy));
}

/**
 * Simplifies a ring given as flat [x0, y0, x1, y1, ...] (not closed): every dropped vertex
 * lies within `tolerance` of the simplified ring. The ring is split at its first vertex and
 * the vertex farthest from it, and each half is simplified as an open line. A result with
 * fewer than three vertices would enclose nothing, so the input is returned instead.
 * @param ring flat coordinates, at least three vertices
 * @param tolerance in the ring's units, >= 0 (0 keeps every vertex)
 * @returns a new flat ring (not closed)
 */
export function simplifyRing(ring: readonly number[], tolerance: number): number[] {
  const n = ring.length / 2;
  if (tolerance <= 0 || n <= 3) return ring.slice();
  let far = 0;
  let farDist = -1;
  for (let i = 1; i < n; i++) {
    const dist = Math.hypot(ring[2 * i] - ring[0], ring[2 * i + 1] - ring[1]);
    if (dist > farDist) {
      farDist = dist;
      far = i;
    }
  }
  const keep = new Uint8Array(n + 1); // index n stands for vertex 0 closing the ring
  keep[0] = 1;
  keep[far] = 1;
  keep[n] = 1;
  const px = (i: number): number => ring[2 * (i % n)];
  const py = (i: number): number => ring[2 * (i % n) + 1];
  const stack: number[] = [0, far, far, n];
  while (stack.length > 0) {
    const b = stack.pop() as number;
    const a = stack.pop() as number;
    let worst = -1;
    let worstDist = tolerance;
    for (let i = a + 1; i < b; i++) {
      const dist = segmentDistance(px(i), py(i), px(a), py(a), px(b), py(b));
      if (dist > worstDist) {
        worstDist = dist;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push(a, worst, worst, b);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(ring[2 * i], ring[2 * i + 1]);
  return out.length >= 6 ? out : ring.slice();
}
