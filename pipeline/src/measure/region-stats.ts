/**
 * One raster pass that gathers, per label, the sums every measurement is derived from.
 * Browser-safe.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { LabelImage, RgbImage } from '../raster/types.js';

/** Offsets into a region's slot of {@link RegionStats.sums}. */
export const STAT = {
  /** Pixel count. */
  AREA: 0,
  /** Sums of x, y, x², y², xy, relative to the region's first pixel (keeps them exact integers). */
  SX: 1,
  SY: 2,
  SXX: 3,
  SYY: 4,
  SXY: 5,
  MIN_X: 6,
  MIN_Y: 7,
  MAX_X: 8,
  MAX_Y: 9,
  /** regionprops perimeter (4-neighbourhood), accumulated per border pixel. */
  PERIMETER: 10,
  SUM_R: 11,
  SUM_G: 12,
  SUM_B: 13,
  SUM_H: 14,
  /** Column of the first pixel in raster order (its row is MIN_Y). */
  FIRST_X: 15,
} as const;
const STRIDE = 16;

/** Per-label sums, slot k for the k-th label met in raster order. */
export interface RegionStats {
  readonly count: number;
  /** Label value of each slot. */
  readonly ids: Int32Array;
  /** Flat index of each region's first pixel in raster order (top-most, then left-most). */
  readonly firstPixel: Int32Array;
  /** `count * stride` sums; read slot k's field f at `k * stride + f` with f from {@link STAT}. */
  readonly sums: Float64Array;
  readonly stride: number;
  /**
   * Per region, the left-most and right-most column of each row it occupies, as flat
   * [row, minCol, maxCol, ...]: enough for the convex hull of all pixel corners.
   */
  readonly rowSpans: readonly number[][];
}

/**
 * scikit-image `perimeter` weights, indexed by 1 + 2 (4-neighbours on the border) + 10
 * (diagonal neighbours on the border) of a border pixel.
 */
const PERIMETER_WEIGHTS = (() => {
  const w = new Float64Array(50);
  for (const k of [5, 7, 15, 17, 25, 27]) w[k] = 1;
  for (const k of [21, 33]) w[k] = Math.SQRT2;
  for (const k of [13, 23]) w[k] = (1 + Math.SQRT2) / 2;
  return w;
})();

/**
 * Marks pixels with a 4-neighbour of another label (or outside the raster): the border
 * pixels of scikit-image's `perimeter`, which erodes each region with a cross and a zero
 * border. Background pixels get marked too; callers only read the flags of labelled pixels.
 */
function borderPixels(labels: LabelImage): Uint8Array {
  const { width, data } = labels;
  const n = data.length;
  const border = new Uint8Array(n);
  for (let i = 0; i < width && i < n; i++) {
    border[i] = 1;
    border[n - 1 - i] = 1;
  }
  // Compare each pixel with its left neighbour, then with the one above: a difference marks both.
  for (let row = 0; row < n; row += width) {
    border[row] = 1;
    border[row + width - 1] = 1;
    for (let i = row + 1; i < row + width; i++) {
      if (data[i] !== data[i - 1]) border[i] = border[i - 1] = 1;
    }
  }
  for (let i = width; i < n; i++) {
    if (data[i] !== data[i - width]) border[i] = border[i - width] = 1;
  }
  return border;
}

/**
 * Gathers per-label sums in one pass over the labels (after a pass that marks border pixels).
 * @param labels Int32 labels, 0 = background; must be non-negative
 * @param image optional RGB image of the same size, for mean colour
 * @param hematoxylin optional float32 plane of the same size, for mean hematoxylin density
 * @throws {InvalidArgumentError} for a negative label.
 */
export function gatherRegionStats(labels: LabelImage, image?: RgbImage, hematoxylin?: Float32Array): RegionStats {
  const { width, height, data } = labels;
  const border = borderPixels(labels);
  const slotOf = new Map<number, number>();
  let capacity = 64;
  let sums = new Float64Array(capacity * STRIDE);
  let ids = new Int32Array(capacity);
  let firstPixel = new Int32Array(capacity);
  const rowSpans: number[][] = [];
  let count = 0;
  let lastLabel = 0;
  let lastSlot = -1;
  const rgb = image?.data;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const v = data[i];
      if (v === 0) continue;
      let k: number;
      if (v === lastLabel) {
        k = lastSlot;
      } else {
        const found = slotOf.get(v);
        if (found !== undefined) {
          k = found;
        } else {
          if (v < 0) throw new InvalidArgumentError(`labels must be non-negative, found ${v} at (${x}, ${y})`);
          if (count === capacity) {
            capacity *= 2;
            const grownSums = new Float64Array(capacity * STRIDE);
            grownSums.set(sums);
            sums = grownSums;
            const grownIds = new Int32Array(capacity);
            grownIds.set(ids);
            ids = grownIds;
            const grownFirst = new Int32Array(capacity);
            grownFirst.set(firstPixel);
            firstPixel = grownFirst;
          }
          k = count++;
          slotOf.set(v, k);
          ids[k] = v;
          firstPixel[k] = i;
          const o = k * STRIDE;
          sums[o + STAT.MIN_X] = x;
          sums[o + STAT.MIN_Y] = y;
          sums[o + STAT.MAX_X] = x;
          sums[o + STAT.MAX_Y] = y;
          sums[o + STAT.FIRST_X] = x;
          rowSpans.push([]);
        }
        lastLabel = v;
        lastSlot = k;
      }
      const o = k * STRIDE;
      const dx = x - sums[o + STAT.FIRST_X];
      const dy = y - sums[o + STAT.MIN_Y];
      sums[o + STAT.AREA] += 1;
      sums[o + STAT.SX] += dx;
      sums[o + STAT.SY] += dy;
      sums[o + STAT.SXX] += dx * dx;
      sums[o + STAT.SYY] += dy * dy;
      sums[o + STAT.SXY] += dx * dy;
      if (x < sums[o + STAT.MIN_X]) sums[o + STAT.MIN_X] = x;
      if (x > sums[o + STAT.MAX_X]) sums[o + STAT.MAX_X] = x;
      sums[o + STAT.MAX_Y] = y; // raster order: y never decreases
      // Pixels of a row arrive left to right: the first sets the row's min, the last its max.
      const spans = rowSpans[k];
      const n = spans.length;
      if (n > 0 && spans[n - 3] === y) spans[n - 1] = x;
      else spans.push(y, x, x);
      if (border[i]) {
        let code = 1;
        const left = x > 0;
        const right = x < width - 1;
        const up = y > 0;
        const down = y < height - 1;
        if (left && border[i - 1] && data[i - 1] === v) code += 2;
        if (right && border[i + 1] && data[i + 1] === v) code += 2;
        if (up && border[i - width] && data[i - width] === v) code += 2;
        if (down && border[i + width] && data[i + width] === v) code += 2;
        if (up && left && border[i - width - 1] && data[i - width - 1] === v) code += 10;
        if (up && right && border[i - width + 1] && data[i - width + 1] === v) code += 10;
        if (down && left && border[i + width - 1] && data[i + width - 1] === v) code += 10;
        if (down && right && border[i + width + 1] && data[i + width + 1] === v) code += 10;
        sums[o + STAT.PERIMETER] += PERIMETER_WEIGHTS[code];
      }
      if (rgb) {
        sums[o + STAT.SUM_R] += rgb[3 * i];
        sums[o + STAT.SUM_G] += rgb[3 * i + 1];
        sums[o + STAT.SUM_B] += rgb[3 * i + 2];
      }
      if (hematoxylin) sums[o + STAT.SUM_H] += hematoxylin[i];
    }
  }
  return {
    count,
    ids: ids.slice(0, count),
    firstPixel: firstPixel.slice(0, count),
    sums: sums.slice(0, count * STRIDE),
    stride: STRIDE,
    rowSpans,
  };
}
