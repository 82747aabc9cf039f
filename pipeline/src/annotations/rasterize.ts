/**
 * Rasterizing polygons into a label image. Browser-safe.
 *
 * Two rules, because annotation tools disagree on what "inside" means:
 * - `'poly2mask'`: MATLAB's `poly2mask` on 1-based coordinates (X + 0.5, Y + 0.5), the rule
 *   the MoNuSeg organisers used to make their ground-truth label images. Vertices snap to a
 *   5x5 sub-pixel grid, edges are traced on that grid with MATLAB's integer line, and a
 *   pixel is inside by parity of horizontal edges along its centre column. Published AJI
 *   figures are only comparable under this rule.
 * - `'pixel-centre'`: pixel (c, r), covering [c, c+1) x [r, r+1), is inside when its centre
 *   (c + 0.5, r + 0.5) is inside the polygon by the even-odd rule.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { LabelImage } from '../raster/types.js';
import { createLabelImage } from '../raster/create.js';
import type { Polygon } from './polygon.js';

/** Which pixels count as inside a polygon. */
export type RasterizeRule = 'poly2mask' | 'pixel-centre';

/** Options of {@link rasterizePolygons}. */
export interface RasterizeOptions {
  /** Default `'poly2mask'` (the MoNuSeg convention). */
  readonly rule?: RasterizeRule;
  /** Where polygons overlap: `'first'` keeps the earlier label (MoNuSeg), `'last'` overwrites. Default `'first'`. */
  readonly overlap?: 'first' | 'last';
}

const SUBPIXELS = 5;

// MATLAB's round: halves away from zero (Math.round sends -2.5 to -2).
function matlabRound(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** MATLAB `intline`: integer points of the line from (x1,y1) to (x2,y2), in drawing order. */
function appendIntLine(x1: number, x2: number, y1: number, y2: number, outX: number[], outY: number[]): void {
  const dx = Math.abs(x2 - x1);
  const dy = Math.abs(y2 - y1);
  if (dx === 0 && dy === 0) {
    outX.push(x1);
    outY.push(y1);
    return;
  }
  const segX: number[] = [];
  const segY: number[] = [];
  let flip = false;
  if (dx >= dy) {
    if (x1 > x2) {
      [x1, x2] = [x2, x1];
      [y1, y2] = [y2, y1];
      flip = true;
    }
    const m = (y2 - y1) / (x2 - x1);
    for (let x = x1; x <= x2; x++) {
      segX.push(x);
      segY.push(matlabRound(y1 + m * (x - x1)));
    }
  } else {
    if (y1 > y2) {
      [x1, x2] = [x2, x1];
      [y1, y2] = [y2, y1];
      flip = true;
    }
    const m = (x2 - x1) / (y2 - y1);
    for (let y = y1; y <= y2; y++) {
      segY.push(y);
      segX.push(matlabRound(x1 + m * (y - y1)));
    }
  }
  if (flip) {
    segX.reverse();
    segY.reverse();
  }
  for (let i = 0; i < segX.length; i++) {
    outX.push(segX[i]);
    outY.push(segY[i]);
  }
}

/**
 * Paints one polygon with MATLAB poly2mask's rule. `xs`, `ys` are MATLAB 1-based coordinates.
 * Only pixels where `accept(index)` holds are written.
 */
function paintPoly2mask(
  out: LabelImage,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  label: number,
  overwrite: boolean,
): void {
  const n = xs.length;
  const width = out.width;
  const height = out.height;
  // Close the ring, then quantize onto the 5x5 sub-pixel grid (poly2edgelist).
  const qx: number[] = [];
  const qy: number[] = [];
  for (let i = 0; i <= n; i++) {
    const k = i % n;
    if (i === n && xs[n - 1] === xs[0] && ys[n - 1] === ys[0]) break;
    qx.push(matlabRound(SUBPIXELS * (xs[k] - 0.5) + 1));
    qy.push(matlabRound(SUBPIXELS * (ys[k] - 0.5) + 1));
  }
  const px: number[] = [];
  const py: number[] = [];
  for (let k = 0; k + 1 < qx.length; k++) appendIntLine(qx[k], qx[k + 1], qy[k], qy[k + 1], px, py);

  // Horizontal edges sit where x changes; keep those on a pixel's centre column (edgelist2mask).
  const shift = (SUBPIXELS - 1) / 2;
  const edgeCols: number[] = [];
  const edgeRows: number[] = [];
  let minCol = Infinity;
  let maxCol = -Infinity;
  let minRow = Infinity;
  let maxRow = -Infinity;
  for (let i = 0; i + 1 < px.length; i++) {
    const d = px[i + 1] - px[i];
    if (d === 0) continue;
    const xe = d < 0 ? px[i] - 1 : px[i];
    const ye = Math.min(py[i], py[i + 1]);
    const colScaled = (xe + shift) / SUBPIXELS;
    if (colScaled !== Math.floor(colScaled)) continue;
    const col = colScaled; // 1-based
    let row = Math.ceil((ye + shift) / SUBPIXELS); // 1-based
    if (col < 1 || col > width || row > height) continue;
    if (row < 1) row = 1;
    edgeCols.push(col - 1);
    edgeRows.push(row - 1);
    if (col - 1 < minCol) minCol = col - 1;
    if (col - 1 > maxCol) maxCol = col - 1;
    if (row - 1 < minRow) minRow = row - 1;
    if (row - 1 > maxRow) maxRow = row - 1;
  }
  if (edgeCols.length === 0) return;
  // Parity scan down each column of the bounding box: an edge toggles inside/outside.
  const boxW = maxCol - minCol + 1;
  const boxH = maxRow - minRow + 1;
  const toggles = new Uint8Array(boxW * boxH);
  for (let i = 0; i < edgeCols.length; i++) toggles[(edgeRows[i] - minRow) * boxW + (edgeCols[i] - minCol)] ^= 1;
  const data = out.data;
  for (let c = 0; c < boxW; c++) {
    let inside = 0;
    for (let r = 0; r < boxH; r++) {
      inside ^= toggles[r * boxW + c];
      if (!inside) continue;
      const idx = (r + minRow) * width + (c + minCol);
      if (overwrite || data[idx] === 0) data[idx] = label;
    }
  }
}

/** Paints one polygon with the pixel-centre even-odd rule (scanline over centre rows). */
function paintPixelCentre(out: LabelImage, xs: ArrayLike<number>, ys: ArrayLike<number>, label: number, overwrite: boolean): void {
  const n = xs.length;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    if (ys[i] < minY) minY = ys[i];
    if (ys[i] > maxY) maxY = ys[i];
  }
  const r0 = Math.max(0, Math.ceil(minY - 0.5));
  const r1 = Math.min(out.height - 1, Math.floor(maxY - 0.5));
  const crossings: number[] = [];
  for (let r = r0; r <= r1; r++) {
    const yc = r + 0.5;
    crossings.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const yi = ys[i];
      const yj = ys[j];
      // Half-open rule on y so a vertex exactly on the scanline is counted once.
      if (yi > yc !== yj > yc) crossings.push(xs[i] + ((yc - yi) * (xs[j] - xs[i])) / (yj - yi));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      // Pixel c is inside when crossings[k] < c + 0.5 < crossings[k+1].
      const cStart = Math.max(0, Math.floor(crossings[k] - 0.5) + 1);
      const cEnd = Math.min(out.width - 1, Math.ceil(crossings[k + 1] - 0.5) - 1);
      for (let c = cStart; c <= cEnd; c++) {
        const idx = r * out.width + c;
        if (overwrite || out.data[idx] === 0) out.data[idx] = label;
      }
    }
  }
}

/**
 * Rasterizes polygons into a label image; polygon i gets label i + 1.
 * @param polygons outlines in the image's pixel coordinates (see {@link Polygon})
 * @param width image width in pixels
 * @param height image height in pixels
 * @returns Int32 labels, 0 = background
 * @throws {InvalidArgumentError} for a non-integer or negative size or unknown rule.
 * @example
 * const square = { xs: Float64Array.of(1, 4, 4, 1), ys: Float64Array.of(1, 1, 4, 4) };
 * const labels = rasterizePolygons([square], 6, 6, { rule: 'pixel-centre' });
 * // pixels (1..3, 1..3) are 1
 */
export function rasterizePolygons(
  polygons: readonly Polygon[],
  width: number,
  height: number,
  options: RasterizeOptions = {},
): LabelImage {
  const rule = options.rule ?? 'poly2mask';
  if (rule !== 'poly2mask' && rule !== 'pixel-centre') {
    throw new InvalidArgumentError(`unknown rasterize rule "${String(rule)}" (expected poly2mask or pixel-centre)`);
  }
  const overwrite = (options.overlap ?? 'first') === 'last';
  const out = createLabelImage(width, height);
  polygons.forEach((poly, i) => {
    if (poly.xs.length !== poly.ys.length) {
      throw new InvalidArgumentError(`polygon ${i}: ${poly.xs.length} x values but ${poly.ys.length} y values`);
    }
    if (poly.xs.length < 3) return;
    if (rule === 'poly2mask') {
      // The MoNuSeg convention: MATLAB 1-based coordinates are (X + 0.5, Y + 0.5).
      const mx = Array.from(poly.xs, (x) => x + 0.5);
      const my = Array.from(poly.ys, (y) => y + 0.5);
      paintPoly2mask(out, mx, my, i + 1, overwrite);
    } else {
      paintPixelCentre(out, poly.xs, poly.ys, i + 1, overwrite);
    }
  });
  return out;
}
