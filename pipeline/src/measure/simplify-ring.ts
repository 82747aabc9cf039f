/**
 * Douglas-Peucker simplification of a closed ring (Douglas & Peucker 1973, "Algorithms for
 * the reduction of the number of points required to represent a digitized line or its
 * caricature", Cartographica 10(2), DOI 10.3138/FM57-6770-U75U-7727). Browser-safe.
 */

/**
 * Where the reference definition (the nearest point of segment A + t v, t in [0, 1]) puts
 * the foot of P, in exactly its floating-point steps: near ties are settled by these.
 */
function footParameter(px: number, py: number, ax: number, ay: number, vx: number, vy: number, len2: number): number {
  const t = len2 > 0 ? ((px - ax) * vx + (py - ay) * vy) / len2 : 0;
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/**
 * Relative width of a near tie. Ranking values are exact (integer corners give exact
 * integers), while the reference distance, Math.hypot(P - foot), is off by a few ulps of the
 * largest coordinate; within this margin (orders of magnitude wider than those errors) the
 * reference distances decide, so ties are broken exactly as the plain definition breaks them.
 */
const NEAR = 1e-11;

// Scratch kept between calls: a viewer worker simplifies every outline of a view on each
// slider step, and in browsers each fresh typed array costs an allocation outside the JS
// heap and a sweep by the garbage collector. Callers never see it.
let keepScratch = new Uint8Array(1024);

/**
 * Simplifies a ring given as flat [x0, y0, x1, y1, ...] (not closed): every dropped vertex
 * lies within `tolerance` of the simplified ring. The ring is split at its first vertex and
 * the vertex farthest from it, and each half is simplified as an open line. A result with
 * fewer than three vertices would enclose nothing, so the input is returned instead.
 *
 * The farthest vertex is the first whose Euclidean distance (Math.hypot) is strictly
 * largest. Candidates are ranked by squared distance times the segment's squared length,
 * without square roots or divisions; only comparisons closer than {@link NEAR} compute the
 * Euclidean distances, so the vertices kept are exactly those of the plain definition,
 * tie-breaking included.
 * @param ring flat coordinates, at least three vertices
 * @param tolerance in the ring's units, >= 0 (0 keeps every vertex)
 * @returns a new flat ring (not closed)
 * @example
 * // A two-step staircase: (1, 0) is 0.71 px off the chord to the far corner (2, 2) and
 * // stays; (1, 1) and (2, 1) are 0.45 px off the chord (1, 0)-(2, 2) and go.
 * simplifyRing([0, 0, 1, 0, 1, 1, 2, 1, 2, 2, 0, 2], 0.5); // [0, 0, 1, 0, 2, 2, 0, 2]
 */
export function simplifyRing(ring: readonly number[], tolerance: number): number[] {
  const n = ring.length / 2;
  if (tolerance <= 0 || n <= 3) return ring.slice();
  let reach = 0; // largest |coordinate|: the scale of the reference steps' rounding
  for (let j = 0; j < ring.length; j++) reach = Math.max(reach, Math.abs(ring[j]));
  const slack = (1 + reach) * (1 + reach);
  const x0 = ring[0];
  const y0 = ring[1];
  let far = 1;
  let farD2 = (ring[2] - x0) ** 2 + (ring[3] - y0) ** 2;
  for (let i = 2; i < n; i++) {
    const dx = ring[2 * i] - x0;
    const dy = ring[2 * i + 1] - y0;
    const d2 = dx * dx + dy * dy;
    const margin = NEAR * (farD2 + slack);
    if (d2 - farD2 > margin || (d2 - farD2 >= -margin && Math.hypot(dx, dy) > Math.hypot(ring[2 * far] - x0, ring[2 * far + 1] - y0))) {
      farD2 = d2;
      far = i;
    }
  }
  if (keepScratch.length < n + 1) keepScratch = new Uint8Array(2 * (n + 1));
  const keep = keepScratch; // index n stands for vertex 0 closing the ring
  keep.fill(0, 0, n + 1);
  keep[0] = 1;
  keep[far] = 1;
  keep[n] = 1;
  const stack: number[] = [0, far, far, n];
  while (stack.length > 0) {
    const b = stack.pop() as number;
    const a = stack.pop() as number;
    const ax = ring[2 * a];
    const ay = ring[2 * a + 1];
    const bx = ring[2 * (b % n)];
    const by = ring[2 * (b % n) + 1];
    const vx = bx - ax;
    const vy = by - ay;
    const len2 = vx * vx + vy * vy;
    const scale = len2 > 0 ? len2 : 1;
    const marginFloor = NEAR * slack * scale;
    // The worst so far (the tolerance to begin with) as squared distance x scale, with the
    // band of near ties around it and, once a near tie needs it, its reference offset.
    let worst = -1;
    let worstScaled = tolerance * tolerance * scale;
    let above = worstScaled + (NEAR * worstScaled + marginFloor);
    let below = worstScaled - (NEAR * worstScaled + marginFloor);
    let worstDx = NaN;
    let worstDy = NaN;
    for (let i = a + 1; i < b; i++) {
      const px = ring[2 * i];
      const py = ring[2 * i + 1];
      const wx = px - ax;
      const wy = py - ay;
      const dot = wx * vx + wy * vy;
      let scaled: number;
      if (dot <= 0) {
        scaled = (wx * wx + wy * wy) * scale;
      } else if (dot >= len2) {
        const ux = px - bx;
        const uy = py - by;
        scaled = (ux * ux + uy * uy) * scale;
      } else {
        const cross = wx * vy - wy * vx;
        scaled = cross * cross;
      }
      let beats = scaled > above;
      let dx = NaN;
      let dy = NaN;
      if (!beats && scaled >= below) {
        const t = footParameter(px, py, ax, ay, vx, vy, len2);
        dx = px - (ax + t * vx);
        dy = py - (ay + t * vy);
        if (worst < 0) {
          beats = Math.hypot(dx, dy) > tolerance;
        } else {
          if (Number.isNaN(worstDx)) {
            const qx = ring[2 * worst];
            const qy = ring[2 * worst + 1];
            const tw = footParameter(qx, qy, ax, ay, vx, vy, len2);
            worstDx = qx - (ax + tw * vx);
            worstDy = qy - (ay + tw * vy);
          }
          // Offsets of equal magnitudes give equal Math.hypot values (the common tie on a
          // regular staircase), so only differing ones need the call.
          const same = Math.abs(dx) === Math.abs(worstDx) && Math.abs(dy) === Math.abs(worstDy);
          beats = !same && Math.hypot(dx, dy) > Math.hypot(worstDx, worstDy);
        }
      }
      if (beats) {
        worst = i;
        worstScaled = scaled;
        const margin = NEAR * scaled + marginFloor;
        above = scaled + margin;
        below = scaled - margin;
        worstDx = dx;
        worstDy = dy;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push(a, worst, worst, b);
    }
  }
  let kept = 0;
  for (let i = 0; i < n; i++) kept += keep[i];
  if (kept < 3) return ring.slice();
  const out = new Array<number>(2 * kept);
  for (let i = 0, o = 0; i < n; i++) {
    if (keep[i] === 0) continue;
    out[o++] = ring[2 * i];
    out[o++] = ring[2 * i + 1];
  }
  return out;
}
