/**
 * Outer boundary of one labelled region, traced along pixel corners (inter-pixel "crack"
 * following) so the ring encloses every pixel of the piece it starts on. Browser-safe.
 */
import type { LabelImage } from '../raster/types.js';

// Directions, clockwise on screen (y down): right, down, left, up.
const DX = [1, 0, -1, 0] as const;
const DY = [0, 1, 0, -1] as const;
// Pixel ahead on the right (the region's side) and ahead on the left of corner (x, y) when
// leaving it in direction d, as (column, row) offsets from the corner.
const AHEAD_RIGHT_X = [0, -1, -1, 0] as const;
const AHEAD_RIGHT_Y = [0, 0, -1, -1] as const;
const AHEAD_LEFT_X = [0, 0, -1, -1] as const;
const AHEAD_LEFT_Y = [-1, 0, 0, -1] as const;

/**
 * Corners of the outer boundary of the 8-connected piece of `label` that holds pixel
 * `firstPixel`, which must be the region's first pixel in raster order (so the pixels above
 * and to its left are outside). Only corners where the boundary turns are returned, as a
 * flat [x0, y0, x1, y1, ...] ring in the raster's pixel-corner coordinates, not closed.
 * Diagonal neighbours count as connected (the ring may touch itself at such a corner).
 */
export function traceOuterBoundary(labels: LabelImage, label: number, firstPixel: number): number[] {
  const { width, height, data } = labels;
  const inside = (px: number, py: number): boolean =>
    px >= 0 && py >= 0 && px < width && py < height && data[py * width + px] === label;
  const x0 = firstPixel % width;
  const y0 = (firstPixel - x0) / width;
  const corners: number[] = [];
  let x = x0;
  let y = y0;
  // The boundary arrives at the start corner going up the left edge of the first pixel.
  let d = 3;
  const maxSteps = 4 * (width + 1) * (height + 1);
  for (let step = 0; step < maxSteps; step++) {
    let next: number;
    if (inside(x + AHEAD_LEFT_X[d], y + AHEAD_LEFT_Y[d])) next = (d + 3) & 3;
    else if (inside(x + AHEAD_RIGHT_X[d], y + AHEAD_RIGHT_Y[d])) next = d;
    else next = (d + 1) & 3;
    if (next !== d) corners.push(x, y);
    d = next;
    x += DX[d];
    y += DY[d];
    if (x === x0 && y === y0) break;
  }
  return corners;
}
