/**
 * A polygon outline in pixel coordinates of the image it annotates. Vertices are in the
 * annotation's own convention (for MoNuSeg XML: X, Y as written, pixel (c, r) spanning
 * [c, c+1) x [r, r+1)). The ring is implicitly closed.
 */
export interface Polygon {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
}
