/**
 * The flooding surfaces the post-processing recipes can split instances on.
 * Browser-safe: no Node built-ins.
 */
import type { BinaryMask, FloatImage, ProbMap, ProbMapU8 } from '../raster/types.js';
import { isProbMapU8 } from '../raster/create.js';
import { euclideanDistanceTransform } from './distance-transform.js';
import type { ElevationKind } from './postprocess-params.js';

/**
 * Builds the elevation {@link ElevationKind} names (low floods first).
 * @param kind which surface.
 * @param maskProb the nucleus probability map (read for `'inverted-mask'`).
 * @param maskBin the thresholded, cleaned mask (read for `'mask-distance'`).
 * @param markerBin the thresholded, cleaned markers (read for `'marker-distance'`).
 * @returns uint8 for the marker complement and for an inverted uint8 map (kept integral, so
 *   plateaus stay exact ties and the watershed can use its bucket queue), float32 otherwise; all the size of the inputs, which the caller has already checked.
 * @example
 * const elev = buildElevation('marker-distance', maskProb, maskBin, markerBin);
 */
export function buildElevation(
  kind: ElevationKind,
  maskProb: ProbMap,
  maskBin: BinaryMask,
  markerBin: BinaryMask,
): ProbMapU8 | FloatImage {
  const { width, height } = maskBin;
  const n = width * height;
  switch (kind) {
    case 'marker-complement': {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = markerBin.data[i] === 0 ? 1 : 0;
      return { width, height, data };
    }
    case 'inverted-mask': {
      if (isProbMapU8(maskProb)) {
        const data = new Uint8Array(n);
        for (let i = 0; i < n; i++) data[i] = 255 - maskProb.data[i];
        return { width, height, data };
      }
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = 1 - maskProb.data[i];
      return { width, height, data };
    }
    case 'marker-distance': {
      const outside = new Uint8Array(n);
      for (let i = 0; i < n; i++) outside[i] = markerBin.data[i] === 0 ? 1 : 0;
      return euclideanDistanceTransform({ width, height, data: outside });
    }
    case 'mask-distance': {
      const dist = euclideanDistanceTransform(maskBin);
      for (let i = 0; i < n; i++) dist.data[i] = -dist.data[i];
      return dist;
    }
  }
}
