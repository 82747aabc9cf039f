/**
 * Per-label sums every measurement is derived from: a pass over the label runs, then a
 * pixel pass over the regions kept.
 * Browser-safe.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { LabelImage, RgbImage } from '../raster/types.js';
import type { LabelRuns } from '../post/run-labelling.js';

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
   * Every region's row spans, grouped by slot and in row order: flat [row, minCol, maxCol + 1, ...]
   * triples, the left-most and one past the right-most column each row a region occupies
   * (enough for the convex hull of all pixel corners). Slot k owns triples
   * `spanStart[k]` to `spanStart[k + 1]` (exclusive).
   */
  readonly spans: Int32Array;
  /** `count + 1` offsets into {@link spans}, in triples. */
  readonly spanStart: Int32Array;
  /**
   * 1 for each slot the `keep` test accepted (every slot without one): only those have
   * PERIMETER (when asked for), SUM_R, SUM_G, SUM_B and SUM_H; the others read 0 there.
   */
  readonly kept: Uint8Array;
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

/** Sum of t² for t = a..b (integers, a <= b), exact while it stays below 2^53. */
function sumOfSquares(a: number, b: number): number {
  const upTo = (n: number): number => (n * (n + 1) * (2 * n + 1)) / 6;
  return upTo(b) - upTo(a - 1);
}

/** A copy of `a` with room for at least `n` elements. */
function grown(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(n, 2 * a.length));
  out.set(a);
  return out;
}

/**
 * Adds the perimeter weight of each border pixel of row r to its region, in raster order.
 * A border pixel (scikit-image's `perimeter` erodes each region with a cross and a zero
 * border: a pixel with a 4-neighbour of another label or outside the raster) weighs by
 * which of its 8 neighbours are border pixels of the same label, so this runs once the
 * flags of rows r - 1, r and r + 1 are set.
 * @param flags border flags of three rows, row q at `(q % 3) * width`
 * @param border row r's border pixels as (column, slot) pairs, left to right
 */
function addPerimeterRow(
  data: Int32Array,
  width: number,
  height: number,
  flags: Uint8Array,
  r: number,
  border: Int32Array,
  nBorder: number,
  sums: Float64Array,
): void {
  const row = r * width;
  const here = (r % 3) * width;
  const above = ((r + 2) % 3) * width;
  const below = ((r + 1) % 3) * width;
  const up = r > 0;
  const down = r < height - 1;
  for (let p = 0; p < nBorder; p += 2) {
    const x = border[p];
    const i = row + x;
    const v = data[i];
    const left = x > 0;
    const right = x < width - 1;
    let code = 1;
    if (left && flags[here + x - 1] && data[i - 1] === v) code += 2;
    if (right && flags[here + x + 1] && data[i + 1] === v) code += 2;
    if (up && flags[above + x] && data[i - width] === v) code += 2;
    if (down && flags[below + x] && data[i + width] === v) code += 2;
    if (up && left && flags[above + x - 1] && data[i - width - 1] === v) code += 10;
    if (up && right && flags[above + x + 1] && data[i - width + 1] === v) code += 10;
    if (down && left && flags[below + x - 1] && data[i + width - 1] === v) code += 10;
    if (down && right && flags[below + x + 1] && data[i + width + 1] === v) code += 10;
    sums[border[p + 1] * STRIDE + STAT.PERIMETER] += PERIMETER_WEIGHTS[code];
  }
}

/**
 * Working arrays kept between calls: a viewer worker gathers the stats of a dozen tiles on
 * every slider step, and in browsers each fresh typed array (and each copy while one
 * grows) costs an allocation outside the JS heap and a sweep by the garbage collector.
 * Every slot is set before it is read, and results leave as copies, so calls never see
 * each other's values.
 */
const work = {
  capacity: 256,
  sums: new Float64Array(256 * STRIDE),
  ids: new Int32Array(256),
  firstPixel: new Int32Array(256),
  lastSpan: new Int32Array(256),
  lastSpanRow: new Int32Array(256),
  spanCount: new Int32Array(256),
  rawSpans: new Int32Array(4096),
  /** Runs in raster order as [start, end, slot], start and end flat indices. */
  runs: new Int32Array(3 * 4096),
  /** Per row, the index of its first run in `runs` (height + 1 entries). */
  rowRuns: new Int32Array(0),
  flags: new Uint8Array(0),
  rowBorder: new Int32Array(0),
  aboveBorder: new Int32Array(0),
};

/**
 * Gathers per-label sums in two passes. The first finds the labels' runs and takes each run
 * whole: area, moments (exact integers, so the closed forms give the same values as adding
 * pixel by pixel), bounding box and row spans. `keep` then sees every region complete, and
 * the second pass visits only the runs of the regions it keeps for what needs each pixel:
 * the perimeter's border pixels, colour and hematoxylin. A tile that measures only the nuclei
 * it owns skips the pixel work of its halo this way (two in five of a viewer window's
 * nuclei). Perimeter and hematoxylin sums are still added pixel by pixel in raster order, so
 * their rounding is unchanged.
 * @param labels Int32 labels, 0 = background; must be non-negative
 * @param image optional RGB image of the same size, for mean colour
 * @param hematoxylin optional float32 plane of the same size, for mean hematoxylin density
 * @param keep which slots get the per-pixel sums, judged from the first pass's `sums` (read
 *   slot k at `k * stride`); default all
 * @param given the labels' maximal runs, when the caller has them: the first pass then reads
 *   them instead of every pixel
 * @param perimeter whether to add up the perimeter (PERIMETER reads 0 otherwise); with
 *   neither it, an image nor hematoxylin, the second pass is skipped
 * @throws {InvalidArgumentError} for a negative label, or given runs that are not maximal
 *   row runs in raster order.
 */
export function gatherRegionStats(
  labels: LabelImage,
  image?: RgbImage,
  hematoxylin?: Float32Array,
  keep?: (k: number, sums: Float64Array, stride: number) => boolean,
  given?: LabelRuns,
  perimeter = true,
): RegionStats {
  const { width, height, data } = labels;
  const { count, nSpans } = findLabelRuns(data, width, height, given);
  const kept = new Uint8Array(count);
  for (let k = 0; k < count; k++) kept[k] = !keep || keep(k, work.sums, STRIDE) ? 1 : 0;
  if (perimeter || image || hematoxylin) pixelPass(data, width, height, kept, image?.data, hematoxylin, perimeter);
  return collect(count, nSpans, kept);
}

/**
 * The first pass: every label's runs, row by row, into `work.runs` (with `work.rowRuns`), and
 * per slot the sums a whole run gives at once, its box and its row spans. Its own function,
 * like {@link pixelPass}: a viewer worker runs both on every slider step, and V8 compiled the
 * single function they once made in 50-100 ms, inside the steps.
 */
function findLabelRuns(data: Int32Array, width: number, height: number, given?: LabelRuns): { count: number; nSpans: number } {
  // Label -> slot + 1 (0: not met yet). Post-processing numbers labels 1..N, so a table
  // indexed by label is small; ids above the pixel count (sparse) go to a Map instead.
  const denseLimit = data.length;
  let slotOfLabel = new Int32Array(Math.min(denseLimit, 1023) + 1);
  const slotOfSparse = new Map<number, number>();
  let { capacity, sums, ids, firstPixel, rawSpans } = work;
  // Per slot: the index of its latest span in rawSpans and that span's row; its span count.
  let { lastSpan, lastSpanRow, spanCount } = work;
  // rawSpans holds spans in raster order as [row, minCol, maxCol + 1, slot]; grouped by
  // slot at the end.
  let nSpans = 0;
  let count = 0;
  let { runs, rowRuns } = work;
  if (rowRuns.length < height + 1) rowRuns = new Int32Array(height + 1);
  let nRuns = 0;
  let r = 0; // next given run
  let lastEnd = -1; // end of the previous given run, flat
  for (let y = 0; y < height; y++) {
    const row = y * width;
    rowRuns[y] = nRuns;
    let x = 0;
    while (true) {
      let v: number;
      let end: number;
      if (given) {
        if (r === given.runs || given.start[r] >= row + width) break;
        const s = given.start[r];
        const e = given.end[r];
        const label = given.label[r];
        // Maximal row runs in raster order, or the border pixels and spans come out wrong.
        if (
          s < lastEnd ||
          e <= s ||
          e > row + width ||
          data[s] !== label ||
          (s > row && data[s - 1] === label) ||
          (e < row + width && data[e] === label)
        ) {
          throw new InvalidArgumentError(`given runs are not the labels' maximal row runs in raster order (run ${r})`);
        }
        x = s - row;
        end = e - row;
        v = label;
        lastEnd = e;
        r++;
      } else {
        if (x >= width) break;
        v = data[row + x];
        end = x + 1;
        while (end < width && data[row + end] === v) end++;
      }
      if (v !== 0) {
        let k: number;
        if (v > 0 && v < slotOfLabel.length) {
          k = slotOfLabel[v] - 1;
        } else if (v < 0) {
          throw new InvalidArgumentError(`labels must be non-negative, found ${v} at (${x}, ${y})`);
        } else if (v <= denseLimit) {
          // Never past denseLimit + 1: a label looks in the table exactly when v <= denseLimit.
          const table = new Int32Array(Math.min(denseLimit + 1, Math.max(v + 1, 2 * slotOfLabel.length)));
          table.set(slotOfLabel);
          slotOfLabel = table;
          k = -1;
        } else {
          k = slotOfSparse.get(v) ?? -1;
        }
        if (k < 0) {
          if (count === capacity) {
            capacity *= 2;
            const grownSums = new Float64Array(capacity * STRIDE);
            grownSums.set(sums);
            sums = grownSums;
            ids = grown(ids, capacity);
            firstPixel = grown(firstPixel, capacity);
            lastSpan = grown(lastSpan, capacity);
            lastSpanRow = grown(lastSpanRow, capacity);
            spanCount = grown(spanCount, capacity);
          }
          k = count++;
          if (v <= denseLimit) slotOfLabel[v] = k + 1;
          else slotOfSparse.set(v, k);
          ids[k] = v;
          firstPixel[k] = row + x;
          lastSpanRow[k] = -1;
          spanCount[k] = 0;
          const o = k * STRIDE;
          sums.fill(0, o, o + STRIDE);
          sums[o + STAT.MIN_X] = x;
          sums[o + STAT.MIN_Y] = y;
          sums[o + STAT.MAX_X] = x;
          sums[o + STAT.MAX_Y] = y;
          sums[o + STAT.FIRST_X] = x;
        }
        const o = k * STRIDE;
        const len = end - x;
        const a = x - sums[o + STAT.FIRST_X];
        const b = a + len - 1;
        const dy = y - sums[o + STAT.MIN_Y];
        const sumDx = ((a + b) * len) / 2;
        sums[o + STAT.AREA] += len;
        sums[o + STAT.SX] += sumDx;
        sums[o + STAT.SY] += dy * len;
        sums[o + STAT.SXX] += sumOfSquares(a, b);
        sums[o + STAT.SYY] += dy * dy * len;
        sums[o + STAT.SXY] += dy * sumDx;
        if (x < sums[o + STAT.MIN_X]) sums[o + STAT.MIN_X] = x;
        if (end - 1 > sums[o + STAT.MAX_X]) sums[o + STAT.MAX_X] = end - 1;
        sums[o + STAT.MAX_Y] = y; // raster order: y never decreases
        // Runs of a row arrive left to right: the first sets the row's min, the last its max.
        if (lastSpanRow[k] === y) {
          rawSpans[4 * lastSpan[k] + 2] = end;
        } else {
          if (4 * nSpans + 4 > rawSpans.length) rawSpans = grown(rawSpans, 4 * nSpans + 4);
          rawSpans[4 * nSpans] = y;
          rawSpans[4 * nSpans + 1] = x;
          rawSpans[4 * nSpans + 2] = end;
          rawSpans[4 * nSpans + 3] = k;
          lastSpan[k] = nSpans++;
          lastSpanRow[k] = y;
          spanCount[k]++;
        }
        if (3 * nRuns + 3 > runs.length) runs = grown(runs, 3 * nRuns + 3);
        runs[3 * nRuns] = row + x;
        runs[3 * nRuns + 1] = row + end;
        runs[3 * nRuns + 2] = k;
        nRuns++;
      }
      x = end;
    }
  }
  rowRuns[height] = nRuns;

  Object.assign(work, { capacity, sums, ids, firstPixel, lastSpan, lastSpanRow, spanCount, rawSpans, runs, rowRuns });
  return { count, nSpans };
}

/** The second pass: perimeter border pixels (when asked for), colour and hematoxylin of the kept slots' runs. */
function pixelPass(
  data: Int32Array,
  width: number,
  height: number,
  kept: Uint8Array,
  rgb: Uint8Array | Uint8ClampedArray | undefined,
  hematoxylin: Float32Array | undefined,
  perimeter: boolean,
): void {
  const { runs, rowRuns, sums } = work;
  // Border flags of the last three rows, and the border pixels of this row and the one above
  // as (column, slot) pairs: a row's perimeter is added once the row below is flagged.
  if (work.flags.length < 3 * width) {
    work.flags = new Uint8Array(3 * width);
    work.rowBorder = new Int32Array(2 * width);
    work.aboveBorder = new Int32Array(2 * width);
  }
  const flags = work.flags;
  let rowBorder = work.rowBorder;
  let aboveBorder = work.aboveBorder;
  let nRowBorder = 0;
  let nAboveBorder = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const here = (y % 3) * width;
    flags.fill(0, here, here + width);
    // A run's ends are border pixels; inside it only the rows above and below can differ.
    const edgeRow = y === 0 || y === height - 1;
    for (let j = rowRuns[y]; j < rowRuns[y + 1]; j++) {
      const k = runs[3 * j + 2];
      if (kept[k] === 0) continue;
      const start = runs[3 * j];
      const stop = runs[3 * j + 1];
      const v = data[start];
      const o = k * STRIDE;
      if (perimeter) {
        for (let i = start; i < stop; i++) {
          if (i === start || i === stop - 1 || edgeRow || data[i - width] !== v || data[i + width] !== v) {
            const px = i - row;
            flags[here + px] = 1;
            rowBorder[nRowBorder++] = px;
            rowBorder[nRowBorder++] = k;
          }
        }
      }
      if (rgb) {
        // Integer sums: adding a run's total gives the same value as pixel by pixel.
        let red = 0;
        let green = 0;
        let blue = 0;
        for (let i = start; i < stop; i++) {
          red += rgb[3 * i];
          green += rgb[3 * i + 1];
          blue += rgb[3 * i + 2];
        }
        sums[o + STAT.SUM_R] += red;
        sums[o + STAT.SUM_G] += green;
        sums[o + STAT.SUM_B] += blue;
      }
      if (hematoxylin) {
        // Added one by one onto the running sum: the same roundings as pixel order.
        let h = sums[o + STAT.SUM_H];
        for (let i = start; i < stop; i++) h += hematoxylin[i];
        sums[o + STAT.SUM_H] = h;
      }
    }
    if (perimeter && y > 0) addPerimeterRow(data, width, height, flags, y - 1, aboveBorder, nAboveBorder, sums);
    const done = aboveBorder;
    aboveBorder = rowBorder;
    rowBorder = done;
    nAboveBorder = nRowBorder;
    nRowBorder = 0;
  }
  if (perimeter && height > 0) addPerimeterRow(data, width, height, flags, height - 1, aboveBorder, nAboveBorder, sums);
}

/** The slots' spans grouped by slot, and copies of the working arrays' used parts. */
function collect(count: number, nSpans: number, kept: Uint8Array): RegionStats {
  const { ids, firstPixel, sums, spanCount, rawSpans } = work;
  const spanStart = new Int32Array(count + 1);
  for (let k = 0; k < count; k++) spanStart[k + 1] = spanStart[k] + spanCount[k];
  const spans = new Int32Array(3 * nSpans);
  const next = spanStart.slice(0, count);
  for (let j = 0; j < nSpans; j++) {
    const p = 3 * next[rawSpans[4 * j + 3]]++;
    spans[p] = rawSpans[4 * j];
    spans[p + 1] = rawSpans[4 * j + 1];
    spans[p + 2] = rawSpans[4 * j + 2];
  }
  return {
    count,
    ids: ids.slice(0, count),
    firstPixel: firstPixel.slice(0, count),
    sums: sums.slice(0, count * STRIDE),
    stride: STRIDE,
    spans,
    spanStart,
    kept,
  };
}
