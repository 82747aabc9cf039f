/**
 * Marker-controlled watershed by priority flooding.
 * Browser-safe: no Node built-ins.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { BinaryMask, Connectivity, FloatImage, LabelImage, ProbMap } from '../raster/types.js';
import { assertRasterShape, assertSameSize } from '../raster/create.js';
import { BucketFloodQueue, FifoFloodQueue, HeapFloodQueue, type FloodQueue } from './flood-queue.js';
import { assertConnectivity, neighbourOffsets, padPlane, unpadPlane } from './neighbourhood.js';

/** Options of {@link watershed}. */
export interface WatershedOptions {
  /**
   * Only pixels where the mask is non-zero are flooded; the rest stay 0 in the output.
   * Markers outside the mask are dropped. Default: the whole image.
   */
  readonly mask?: BinaryMask;
  /** Neighbourhood of the flood: 4 (default, scikit-image's `connectivity=1`) or 8. */
  readonly connectivity?: Connectivity;
  /**
   * Keep a one-pixel line of 0 between basins. A pixel becomes line when, as it leaves the
   * queue, its already-flooded neighbours carry two different labels; with connectivity 8
   * the resulting basins are therefore not even diagonally adjacent. Default false.
   */
  readonly watershedLine?: boolean;
}

// One Int32 per pixel holds both the flood state and the label, so a neighbour visit reads
// one value: a label (> 0), 0 for a pixel queued whose label is not decided yet (with
// lines), or one of these codes.
/** Outside the mask, the frame, or a watershed-line pixel. */
const CLOSED = -1;
/** Not reached yet. */
const OPEN = -2;

/**
 * The flooding loop proper, on a framed plane of labels and codes. With lines a pixel is
 * labelled as it leaves the queue (only then are all its earlier neighbours known), without
 * lines as it enters.
 */
function flood(queue: FloodQueue, cell: Int32Array, level: Uint8Array | Float64Array, offsets: Int32Array, lines: boolean): void {
  const nOff = offsets.length;
  // With lines, one pass over the neighbours both judges the pixel and notes the open ones
  // it will queue: nothing changes them in between.
  const opened = new Int32Array(nOff);
  while (queue.length > 0) {
    const e = queue.pop();
    const p = queue.pixelOf(e);
    const label = queue.labelOf(e);
    if (lines) {
      // A pixel joins the line when its flooded neighbours already carry two labels, or
      // one that is not its own (possible only for a seed touching another basin's seed).
      let seen = 0;
      let split = false;
      let nOpened = 0;
      for (let k = 0; k < nOff; k++) {
        const r = p + offsets[k];
        const v = cell[r];
        if (v === OPEN) {
          opened[nOpened++] = r;
          continue;
        }
        if (v <= 0) continue;
        if (seen === 0) seen = v;
        else if (v !== seen) split = true;
      }
      if (split || (seen !== 0 && seen !== label)) {
        cell[p] = CLOSED;
        continue;
      }
      cell[p] = label;
      for (let j = 0; j < nOpened; j++) {
        const r = opened[j];
        cell[r] = 0;
        queue.push(level[r], r, label);
      }
      continue;
    }
    for (let k = 0; k < nOff; k++) {
      const r = p + offsets[k];
      if (cell[r] !== OPEN) continue;
      cell[r] = label;
      queue.push(level[r], r, label);
    }
  }
}

/**
 * One neighbour `r` of a pixel leaving the queue in {@link floodPlateauWithLines8}: an open
 * one is queued with the basin code `queued`, a decided one is noted in `basins`
 * (`[0]`: the first basin seen, `[1]`: 1 once a second one is seen).
 * @returns the queue's new tail
 */
function visitNeighbour(cell: Int32Array, queue: Int32Array, r: number, queued: number, tail: number, basins: Int32Array): number {
  const v = cell[r];
  if (v === OPEN) {
    cell[r] = queued;
    queue[tail] = r;
    return tail + 1;
  }
  if (v > 0) {
    const first = basins[0];
    if (first === 0) basins[0] = v;
    else if (v !== first) basins[1] = 1;
  }
  return tail;
}

/**
 * {@link flood} with lines, 8-connected, for the case a {@link FifoFloodQueue} serves (seeds
 * on one level, every other pixel on one level no lower, so pixels leave in push order): the
 * paper recipe's cut, which a viewer's marker-threshold step recomputes for every tile in
 * view. The same pixels come out in 0.62 of the time (Node, the frame-time benchmark's 12
 * windows: 45 against 73 ms per step), because
 * - a queued pixel's basin rides in its cell (as `-label - 3`, below every code) instead of
 *   in a parallel array, and no elevation is read;
 * - open neighbours are queued during the scan and taken back on the rare pixel that turns
 *   out to be line, instead of being noted and queued after it;
 * - the eight neighbour visits are eight calls V8 inlines, not a loop over an offset table.
 * @param cell framed plane of seeds (labels), OPEN and CLOSED; seeds are queued in raster order
 * @param queue room for every pixel that is not CLOSED
 */
function floodPlateauWithLines8(cell: Int32Array, stride: number, queue: Int32Array): void {
  const basins = new Int32Array(2);
  let tail = 0;
  for (let p = 0; p < cell.length; p++) if (cell[p] > 0) queue[tail++] = p;
  let head = 0;
  while (head < tail) {
    const p = queue[head++];
    const c = cell[p];
    const label = c > 0 ? c : -c - 3;
    const queued = -label - 3;
    const before = tail;
    basins[0] = 0;
    basins[1] = 0;
    // neighbourOffsets(stride, 8)'s order: edges, then diagonals, each in raster order.
    tail = visitNeighbour(cell, queue, p - stride, queued, tail, basins);
    tail = visitNeighbour(cell, queue, p - 1, queued, tail, basins);
    tail = visitNeighbour(cell, queue, p + 1, queued, tail, basins);
    tail = visitNeighbour(cell, queue, p + stride, queued, tail, basins);
    tail = visitNeighbour(cell, queue, p - stride - 1, queued, tail, basins);
    tail = visitNeighbour(cell, queue, p - stride + 1, queued, tail, basins);
    tail = visitNeighbour(cell, queue, p + stride - 1, queued, tail, basins);
    tail = visitNeighbour(cell, queue, p + stride + 1, queued, tail, basins);
    // The line rule of flood(): two basins among the decided neighbours, or one not its own.
    if (basins[1] === 1 || (basins[0] !== 0 && basins[0] !== label)) {
      for (let j = before; j < tail; j++) cell[queue[j]] = OPEN;
      tail = before;
      cell[p] = CLOSED;
    } else {
      cell[p] = label;
    }
  }
}

/**
 * Marker-controlled watershed (Beucher & Meyer, "The morphological approach to
 * segmentation: the watershed transformation", 1993, DOI 10.1201/9781482277234-12; Meyer's
 * flooding algorithm, "Topographic distance and watershed lines", Signal Processing 38
 * (1994), DOI 10.1016/0165-1684(94)90060-4): every marker floods its neighbours in order of
 * elevation through a binary heap whose ties leave in insertion order, as scikit-image's
 * `watershed` does (markers are queued in raster order first). Low elevation floods first:
 * pass an inverted probability or a (negated) distance map.
 * @param elevation width x height; uint8 maps are read as stored (0..255), float maps as is.
 * @param markers width x height, Int32; each id > 0 seeds one basin (the same id on
 *   several pixels, even disconnected ones, seeds one basin), 0 seeds nothing.
 * @param opts mask, connectivity (default 4) and watershed line (default off).
 * @returns a new Int32 label image of the same size: basin ids are the marker ids, 0 outside
 *   the mask, on watershed lines and where no marker's flood reaches.
 * @throws {ShapeError} when a raster's data length or size does not match the others.
 * @throws {InvalidArgumentError} for a connectivity other than 4/8, a NaN elevation or a
 *   negative marker id.
 * @example
 * const elevation = { width: 5, height: 1, data: Float32Array.of(0, 1, 2, 1, 0) };
 * const markers = { width: 5, height: 1, data: Int32Array.of(1, 0, 0, 0, 2) };
 * watershed(elevation, markers, { watershedLine: true }).data; // [1, 1, 0, 2, 2]
 */
export function watershed(
  elevation: ProbMap | FloatImage,
  markers: LabelImage,
  opts: WatershedOptions = {},
): LabelImage {
  assertRasterShape('elevation', elevation);
  assertRasterShape('markers', markers);
  assertSameSize('elevation', elevation, 'markers', markers);
  const connectivity = opts.connectivity ?? 4;
  assertConnectivity('connectivity', connectivity);
  const { width, height } = markers;
  const n = width * height;
  if (opts.mask) {
    assertRasterShape('mask', opts.mask);
    assertSameSize('mask', opts.mask, 'markers', markers);
  }
  const elev = elevation.data;
  const integral = elev instanceof Uint8Array;
  if (!integral) {
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(elev[i])) throw new InvalidArgumentError(`elevation has NaN at pixel ${i % width},${Math.floor(i / width)}`);
    }
  }
  // Labels and flood codes on a frame that is never open, so neighbour visits need no
  // bounds checks.
  const plane = padPlane(Int32Array, markers.data, width, height, CLOSED);
  const { stride } = plane;
  const cell = plane.data;
  let openCount = 0;
  // The elevations' range over the seeds and over the open pixels, for the choice of queue.
  let seedLow = Infinity;
  let seedHigh = -Infinity;
  let openLow = Infinity;
  let openHigh = -Infinity;
  const m = opts.mask?.data;
  for (let y = 0; y < height; y++) {
    const row = (y + 1) * stride + 1;
    const src = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const id = cell[i];
      if (id < 0) throw new InvalidArgumentError(`marker ids must be >= 0, found ${id} at (${x}, ${y})`);
      if (m && m[src + x] === 0) {
        cell[i] = CLOSED;
        continue;
      }
      openCount++;
      const e = elev[src + x];
      if (id === 0) {
        cell[i] = OPEN;
        if (e < openLow) openLow = e;
        if (e > openHigh) openHigh = e;
      } else {
        if (e < seedLow) seedLow = e;
        if (e > seedHigh) seedHigh = e;
      }
    }
  }
  // Seeds are pushed first, in raster order. With every seed on one level and every open
  // pixel on one level no lower, a bucket queue pops in plain push order: a FIFO does too.
  const twoLevels = seedLow >= seedHigh && openLow >= openHigh && !(seedHigh > openLow);
  const lines = opts.watershedLine === true;
  const capacity = Math.max(1, openCount);
  if (integral && twoLevels && lines && connectivity === 8) {
    floodPlateauWithLines8(cell, stride, new Int32Array(capacity));
    return framedResult(cell, stride, width, height);
  }
  // uint8 elevations stay uint8 (a bucket queue indexes by them); others become float64.
  const level = integral
    ? padPlane(Uint8Array, elev, width, height).data
    : padPlane(Float64Array, elev, width, height).data;
  const offsets = neighbourOffsets(stride, connectivity);
  // Elevations are fixed, so a pixel's first queue entry always leaves first and decides it:
  // later entries for the same pixel (scikit-image pushes them) would only be skipped.
  // Queueing each pixel once keeps the result and bounds the queue by the open pixels.
  const queue: FloodQueue = integral
    ? twoLevels
      ? new FifoFloodQueue(capacity)
      : new BucketFloodQueue(capacity, 256)
    : new HeapFloodQueue(capacity);
  for (let p = 0; p < cell.length; p++) if (cell[p] > 0) queue.push(level[p], p, cell[p]);
  flood(queue, cell, level, offsets, lines);
  return framedResult(cell, stride, width, height);
}

/**
 * The plane and queue {@link plateauWatershedLines} keeps between calls: a viewer's marker
 * step calls it for every tile in view, and in a chromium worker each fresh multi-megabyte
 * array costs page faults and garbage collection on the cores the other worker needs.
 */
const plateauScratch = { cell: new Int32Array(0), queue: new Int32Array(0) };

/**
 * Largest plane (pixels) the scratch grows to, 32 MiB for both arrays: a compute tile with its
 * halo is far smaller, and one whole large image post-processed once must not stay resident.
 */
const PLATEAU_SCRATCH_MAX_PIXELS = 1 << 22;

/** Seed pixels as row runs: run r covers flat indices [start[r], end[r]) and seeds basin label[r]. */
export interface SeedRuns {
  readonly runs: number;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** Basin id of each run, > 0; runs of one id seed one basin. */
  readonly label: Int32Array;
}

/**
 * The watershed lines of flooding a binary marker image's complement from seeds: the pixels
 * `watershed(~markers, seeds, { connectivity: 8, watershedLine: true })` leaves 0 (MATLAB's
 * `watershed(~marker) == 0`, the paper recipe's cut), straight from the flood. Seeds come as
 * runs (a thresholded map's components are runs already), and no elevation or label image is
 * built, checked or searched for zeros: without those passes the marker stage of the viewer
 * benchmark's 12 windows takes 44.6 ms against 65 (Node).
 * Only which seeds share an id matters, not the ids' values: the flood's order is the seeds'
 * raster order.
 * @param seeds runs in raster order (ascending start), inside the image
 * @returns flat indices (y * width + x) of the line pixels, ascending; every pixel when there
 *   is no seed (nothing floods), as the watershed leaves it
 * @throws {InvalidArgumentError} for a label that is not > 0, or runs out of order or outside the image.
 * @example
 * const comps = labelRuns(markerBin, 8);
 * plateauWatershedLines(comps, markerBin.width, markerBin.height); // Int32Array of line pixels
 */
export function plateauWatershedLines(seeds: SeedRuns, width: number, height: number): Int32Array {
  const stride = width + 2;
  const size = stride * (height + 2);
  const keep = size <= PLATEAU_SCRATCH_MAX_PIXELS;
  if (keep && plateauScratch.cell.length < size) {
    plateauScratch.cell = new Int32Array(size);
    plateauScratch.queue = new Int32Array(size);
  }
  const cell = keep ? plateauScratch.cell.subarray(0, size) : new Int32Array(size);
  const queue = keep ? plateauScratch.queue : new Int32Array(width * height);
  cell.fill(CLOSED, 0, stride + 1);
  cell.fill(CLOSED, (height + 1) * stride - 1);
  for (let y = 0; y < height; y++) {
    const row = (y + 1) * stride + 1;
    cell.fill(OPEN, row, row + width);
    // The frame's right edge of this row and left edge of the next.
    cell[row + width] = CLOSED;
    cell[row + width + 1] = CLOSED;
  }
  let previousEnd = 0;
  for (let r = 0; r < seeds.runs; r++) {
    const a = seeds.start[r];
    const b = seeds.end[r];
    const id = seeds.label[r];
    if (!(id > 0)) throw new InvalidArgumentError(`seed ids must be > 0, found ${id} in run ${r}`);
    if (a < previousEnd || b <= a || b > width * height || Math.floor(a / width) !== Math.floor((b - 1) / width)) {
      throw new InvalidArgumentError(`seed run ${r} [${a}, ${b}) is out of raster order, empty, or not within one row of the ${width}x${height} image`);
    }
    previousEnd = b;
    const y = Math.floor(a / width);
    const offset = (y + 1) * stride + 1 - y * width;
    cell.fill(id, a + offset, b + offset);
  }
  floodPlateauWithLines8(cell, stride, queue);
  // The queue is spent once the flood ends: the line pixels are gathered in it, in one pass.
  let count = 0;
  for (let y = 0; y < height; y++) {
    const row = (y + 1) * stride + 1;
    for (let x = 0; x < width; x++) if (cell[row + x] < 0) queue[count++] = y * width + x;
  }
  return queue.slice(0, count);
}

/** The labels inside the frame, with every code (line, outside the mask, unreached) as 0. */
function framedResult(cell: Int32Array, stride: number, width: number, height: number): LabelImage {
  const data = unpadPlane(Int32Array, { stride, width, height, data: cell });
  for (let i = 0; i < data.length; i++) if (data[i] < 0) data[i] = 0;
  return { width, height, data };
}
