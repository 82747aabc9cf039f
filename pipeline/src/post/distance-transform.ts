/**
 * Exact Euclidean distance transform.
 * Browser-safe: no Node built-ins.
 */
import type { BinaryMask, FloatImage } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';

// Larger than any squared distance on a raster that fits in memory, small enough that
// adding a squared offset to it stays finite and ordered.
const FAR = 1e20;

/**
 * One-dimensional squared distance transform of the sampled function `f` (length n, read
 * at `f[base + k*step]`) into `d` at the same places: the lower envelope of the parabolas
 * (k - q)^2 + f(q). Felzenszwalb & Huttenlocher 2012, algorithm DT(f).
 */
function envelope1d(
  f: Float64Array,
  d: Float64Array,
  base: number,
  step: number,
  n: number,
  v: Int32Array,
  z: Float64Array,
  fq: Float64Array,
): void {
  for (let q = 0; q < n; q++) fq[q] = f[base + q * step];
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    const fqq = fq[q] + q * q;
    let s = (fqq - (fq[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) {
      k--;
      s = (fqq - (fq[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[base + q * step] = dq * dq + fq[v[k]];
  }
}

/**
 * Exact Euclidean distance from every foreground pixel to the nearest background pixel
 * (background pixels get 0), in pixel units: scipy's `distance_transform_edt(mask)`,
 * MATLAB's `bwdist(~mask)`. Computed in linear time by two passes of the lower envelope of
 * parabolas, Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions",
 * Theory of Computing 8 (2012), DOI 10.4086/toc.2012.v008a019. For the distance *to* a set
 * (e.g. to marker pixels), pass the set's complement.
 * @param mask width x height, uint8; any non-zero pixel is foreground.
 * @returns a new float32 image of the same size. When the mask has no background pixel at
 *   all there is nothing to measure to, and every pixel is `Infinity`.
 * @throws {ShapeError} when `mask.data` does not hold width x height elements.
 * @example
 * const m = { width: 5, height: 1, data: Uint8Array.of(0, 1, 1, 1, 1) };
 * euclideanDistanceTransform(m).data; // [0, 1, 2, 3, 4]
 */
export function euclideanDistanceTransform(mask: BinaryMask): FloatImage {
  assertRasterShape('mask', mask);
  const { width, height } = mask;
  const n = width * height;
  const out = new Float32Array(n);
  let anyBackground = false;
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (mask.data[i] !== 0) f[i] = FAR;
    else anyBackground = true;
  }
  if (!anyBackground) {
    out.fill(Infinity);
    return { width, height, data: out };
  }
  const longest = Math.max(width, height);
  const v = new Int32Array(longest);
  const z = new Float64Array(longest + 1);
  const fq = new Float64Array(longest);
  const cols = new Float64Array(n);
  for (let x = 0; x < width; x++) envelope1d(f, cols, x, width, height, v, z, fq);
  for (let y = 0; y < height; y++) envelope1d(cols, f, y * width, 1, width, v, z, fq);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(f[i]);
  return { width, height, data: out };
}
