/**
 * Colour maps for probability and density pictures. Viridis (van der Walt and Smith, 2015,
 * matplotlib) is perceptually uniform and readable in grey and by colour-blind readers, so
 * equal steps of probability look like equal steps of colour.
 */
import type { ProbMap, RgbImage } from '@nucleilens/pipeline';
import { isProbMapU8 } from '@nucleilens/pipeline';

const VIRIDIS_ANCHORS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 73, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [253, 231, 37],
];

/** 256 RGB entries of viridis, index = value x 255, interleaved. */
export const VIRIDIS: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  const last = VIRIDIS_ANCHORS.length - 1;
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * last;
    const k = Math.min(last - 1, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(VIRIDIS_ANCHORS[k][c] * (1 - f) + VIRIDIS_ANCHORS[k + 1][c] * f);
  }
  return lut;
})();

/**
 * A probability map as a viridis picture (0 dark purple, 1 yellow).
 * @param map width x height probability, uint8 (p x 255) or float32 in [0, 1]
 * @returns a new RGB image of the same size
 * @example
 * const pic = colourizeProbability(probs.mask);
 */
export function colourizeProbability(map: ProbMap): RgbImage {
  const n = map.width * map.height;
  const data = new Uint8Array(3 * n);
  const u8 = isProbMapU8(map);
  for (let i = 0; i < n; i++) {
    const v = u8 ? map.data[i] : Math.max(0, Math.min(255, Math.round(map.data[i] * 255)));
    data[3 * i] = VIRIDIS[3 * v];
    data[3 * i + 1] = VIRIDIS[3 * v + 1];
    data[3 * i + 2] = VIRIDIS[3 * v + 2];
  }
  return { width: map.width, height: map.height, data };
}

/**
 * A vertical colour bar (1 at the top) of the given size, for beside a colourized map.
 * @example
 * const bar = colourBar(16, 256);
 */
export function colourBar(width: number, height: number): RgbImage {
  const data = new Uint8Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    const v = Math.round(255 * (1 - y / Math.max(1, height - 1)));
    for (let x = 0; x < width; x++) data.set(VIRIDIS.subarray(3 * v, 3 * v + 3), 3 * (y * width + x));
  }
  return { width, height, data };
}
