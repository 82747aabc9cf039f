/**
 * Marker-controlled watershed by priority flooding.
 * Browser-safe: no Node built-ins.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { BinaryMask, Connectivity, FloatImage, LabelImage, ProbMap } from '../raster/types.js';
import { assertRasterShape, assertSameSize } from '../raster/create.js';
import { BucketFloodQueue, HeapFloodQueue, type FloodQueue } from './flood-queue.js';
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

const CLOSED = 0;
const OPEN = 1;
const QUEUED = 2;

/**
 * The flooding loop proper, on framed planes. With lines a pixel is labelled as it leaves
 * the queue (only then are all its earlier neighbours known), without lines as it enters.
 */
function flood(
  queue: FloodQueue,
  out: Int32Array,
  state: Uint8Array,
  level: Uint8Array | Float64Array,
  offsets: Int32Array,
  lines: boolean,
): void {
  const nOff = offsets.length;
  while (queue.length > 0) {
    const e = queue.pop();
    const p = queue.pixelOf(e);
    const label = queue.labelOf(e);
    if (lines) {
      // A pixel joins the line when its flooded neighbours already carry two labels, or
      // one that is not its own (possible only for a seed touching another basin's seed).
      let seen = 0;
      let split = false;
      for (let k = 0; k < nOff; k++) {
        const r = p + offsets[k];
        if (state[r] === CLOSED) continue;
        const lr = out[r];
        if (lr === 0) continue;
        if (seen === 0) seen = lr;
        else if (lr !== seen) {
          split = true;
          break;
        }
      }
      if (split || (seen !== 0 && seen !== label)) {
        state[p] = CLOSED;
        out[p] = 0;
        continue;
      }
      out[p] = label;
    }
    for (let k = 0; k < nOff; k++) {
      const r = p + offsets[k];
      if (state[r] !== OPEN) continue;
      state[r] = QUEUED;
      if (!lines) out[r] = label;
      queue.push(level[r], r, label);
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
 * @param markers width x height, Int32; each non-zero id seeds one basin (the same id on
 *   several pixels, even disconnected ones, seeds one basin).
 * @param opts mask, connectivity (default 4) and watershed line (default off).
 * @returns a new Int32 label image of the same size: basin ids are the marker ids, 0 outside
 *   the mask, on watershed lines and where no marker's flood reaches.
 * @throws {ShapeError} when a raster's data length or size does not match the others.
 * @throws {InvalidArgumentError} for a connectivity other than 4/8 or a NaN elevation.
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
  // Flood state per pixel on a frame that is never open, so neighbour visits need no
  // bounds checks: CLOSED (outside the mask, or line), OPEN, or QUEUED (entered once).
  const labelsPlane = padPlane(Int32Array, markers.data, width, height);
  const { stride } = labelsPlane;
  const out = labelsPlane.data;
  const state = new Uint8Array(out.length);
  let openCount = 0;
  for (let y = 0; y < height; y++) {
    const row = (y + 1) * stride + 1;
    const src = y * width;
    if (opts.mask) {
      const m = opts.mask.data;
      for (let x = 0; x < width; x++) {
        if (m[src + x] !== 0) {
          state[row + x] = OPEN;
          openCount++;
        }
      }
    } else {
      state.fill(OPEN, row, row + width);
      openCount += width;
    }
  }
  // uint8 elevations stay uint8 (a bucket queue indexes by them); others become float64.
  const level = integral
    ? padPlane(Uint8Array, elev, width, height).data
    : padPlane(Float64Array, elev, width, height).data;
  const offsets = neighbourOffsets(stride, connectivity);
  const lines = opts.watershedLine === true;
  // Elevations are fixed, so a pixel's first queue entry always leaves first and decides it:
  // later entries for the same pixel (scikit-image pushes them) would only be skipped.
  // Queueing each pixel once keeps the result and bounds the queue by the open pixels.
  const capacity = Math.max(1, openCount);
  const queue: FloodQueue = integral ? new BucketFloodQueue(capacity, 256) : new HeapFloodQueue(capacity);
  for (let p = 0; p < out.length; p++) {
    if (out[p] === 0) continue;
    if (state[p] === CLOSED) out[p] = 0;
    else {
      queue.push(level[p], p, out[p]);
      state[p] = QUEUED;
    }
  }
  flood(queue, out, state, level, offsets, lines);
  const data = unpadPlane(Int32Array, { stride, width, height, data: out });
  return { width, height, data };
}
