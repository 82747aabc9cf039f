/**
 * Growing labels by a disk.
 * Browser-safe: no Node built-ins.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { LabelImage } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';

/** Options of {@link dilateLabels}. */
export interface DilateLabelsOptions {
  /**
   * Who owns a pixel that several dilated labels cover.
   * - `'background-only'` (default): labels grow into background only; a labelled pixel
   *   keeps its label, and a background pixel takes the label of the nearest labelled pixel
   *   within the disk, the largest id among equally near ones.
   * - `'max'`: every pixel takes the largest id within its disk (itself included), i.e. a
   *   grey-level dilation (maximum filter) of the label image, MATLAB `imdilate(labels, se)`.
   *   Touching instances lose their border to the one with the larger id.
   */
  readonly overlap?: 'background-only' | 'max';
}

/**
 * Radius 1, the recipes' usual disk: the 4-neighbour cross unrolled (all four neighbours lie
 * at distance 1, so both rules reduce to a maximum), for the slider's sake several times
 * faster than the general loop, with the same result.
 */
function dilateByCross(src: Int32Array, stride: number, width: number, height: number, out: Int32Array, max: boolean): void {
  for (let y = 0; y < height; y++) {
    let p = (y + 1) * stride + 1;
    let o = y * width;
    for (let x = 0; x < width; x++, p++, o++) {
      const own = src[p];
      if (own !== 0 && !max) continue;
      let best = own;
      const l = src[p - 1];
      const r = src[p + 1];
      const u = src[p - stride];
      const d = src[p + stride];
      if (l > best) best = l;
      if (r > best) best = r;
      if (u > best) best = u;
      if (d > best) best = d;
      out[o] = best;
    }
  }
}

/**
 * Grows every label by a disk of radius `radius`: offsets with dx² + dy² <= radius² (the
 * disk of MATLAB `strel('disk', r, 0)` and scikit-image `disk(r)`; radius 1 is the
 * 4-neighbour cross). By default labels grow into background only: a pixel that already
 * carries a label keeps it, and a background pixel takes the label of the nearest labelled
 * pixel within the disk. Tie rule: among labelled pixels at the same (smallest) distance the
 * largest id wins, so for radius 1 the result equals a grey-level dilation applied to
 * background pixels only. Distances are measured to labels of the input, never to pixels
 * labelled by this dilation. See {@link DilateLabelsOptions} for the `'max'` rule.
 * @param labels width x height, Int32 ids (0 = background).
 * @param radius disk radius in pixels, a non-negative integer; 0 returns a copy.
 * @param options overlap rule (default `'background-only'`).
 * @returns a new Int32 label image of the same size.
 * @throws {ShapeError} when `labels.data` does not hold width x height elements.
 * @throws {InvalidArgumentError} for a radius that is not a non-negative integer or an
 *   unknown overlap rule.
 * @example
 * dilateLabels({ width: 5, height: 1, data: Int32Array.of(0, 3, 0, 5, 0) }, 1).data;
 * // [3, 3, 5, 5, 5]: the middle pixel is 1 from both, the larger id wins
 */
export function dilateLabels(labels: LabelImage, radius: number, options: DilateLabelsOptions = {}): LabelImage {
  assertRasterShape('labels', labels);
  if (!Number.isInteger(radius) || radius < 0) {
    throw new InvalidArgumentError(`radius must be a non-negative integer, got ${String(radius)}`);
  }
  const overlap = options.overlap ?? 'background-only';
  if (overlap !== 'background-only' && overlap !== 'max') {
    throw new InvalidArgumentError(`overlap must be 'background-only' or 'max', got ${String(overlap)}`);
  }
  const { width, height } = labels;
  // The constructor copies at memcpy speed; Int32Array.from iterates (3-5x slower in V8).
  const out = new Int32Array(labels.data);
  if (radius === 0 || width === 0 || height === 0) return { width, height, data: out };
  // A frame of `radius` zeros lets every pixel read its whole disk without bounds checks.
  const stride = width + 2 * radius;
  const src = new Int32Array(stride * (height + 2 * radius));
  for (let y = 0; y < height; y++) {
    src.set(labels.data.subarray(y * width, y * width + width), (y + radius) * stride + radius);
  }
  if (radius === 1) {
    dilateByCross(src, stride, width, height, out, overlap === 'max');
    return { width, height, data: out };
  }
  // Disk offsets sorted by squared distance, so the first hit fixes the distance; under
  // 'max' every offset counts whatever its distance, so all share one distance.
  const disk: { off: number; d2: number }[] = [];
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      const d2 = dx * dx + dy * dy;
      if (d2 > 0 && d2 <= radius * radius) disk.push({ off: dy * stride + dx, d2: overlap === 'max' ? 0 : d2 });
    }
  }
  disk.sort((a, b) => a.d2 - b.d2);
  const m = disk.length;
  const offs = Int32Array.from(disk, (o) => o.off);
  const od2 = Int32Array.from(disk, (o) => o.d2);
  const onlyBackground = overlap === 'background-only';
  for (let y = 0; y < height; y++) {
    const base = (y + radius) * stride + radius;
    for (let x = 0; x < width; x++) {
      const p = base + x;
      let best = src[p];
      if (onlyBackground && best !== 0) continue;
      let found = best !== 0;
      let bestD2 = 0;
      for (let k = 0; k < m; k++) {
        if (found && od2[k] > bestD2) break;
        const v = src[p + offs[k]];
        if (v !== 0 && (!found || v > best)) {
          best = v;
          bestD2 = od2[k];
          found = true;
        }
      }
      out[y * width + x] = best;
    }
  }
  return { width, height, data: out };
}
