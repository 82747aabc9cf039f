/**
 * Reflect-padded windows of an RGB image and their conversion to the network's float NCHW
 * layout. Reflection (not zeros or edge replication) keeps the texture statistics a
 * convolutional network saw in training at image borders, which is why U-Net tiling
 * pads by mirroring (Ronneberger et al. 2015, DOI 10.1007/978-3-319-24574-4_28, Fig. 2).
 * Pure: no Node built-ins.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { RgbImage } from '../raster/types.js';

/**
 * Index `i` mirrored into [0, n) without repeating the edge pixel (numpy's `'reflect'`
 * mode: -1 -> 1, n -> n-2), applied as often as needed, so windows much larger than the
 * image still get a defined value.
 * @example
 * reflectIndex(-1, 5); // 1
 * reflectIndex(5, 5);  // 3
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const k = ((i % period) + period) % period;
  return k < n ? k : period - k;
}

/**
 * Copies the window `[x0, x0 + width) x [y0, y0 + height)` of `img`, mirroring pixels that
 * fall outside it (see {@link reflectIndex}).
 * @param img RGB image, at least 1x1
 * @returns a new RGB image of width x height
 * @throws {InvalidArgumentError} for an empty image or window.
 * @example
 * const win = reflectWindow(img, -64, -64, 640, 640); // a 512 core with a 64 px halo at the corner
 */
export function reflectWindow(img: RgbImage, x0: number, y0: number, width: number, height: number): RgbImage {
  if (img.width < 1 || img.height < 1) throw new InvalidArgumentError(`cannot take a window of an empty ${img.width}x${img.height} image`);
  if (!(width >= 1 && height >= 1)) throw new InvalidArgumentError(`window must be at least 1x1, got ${width}x${height}`);
  const xs = new Int32Array(width);
  for (let c = 0; c < width; c++) xs[c] = reflectIndex(x0 + c, img.width) * 3;
  const out = new Uint8Array(width * height * 3);
  const inside = x0 >= 0 && x0 + width <= img.width;
  for (let r = 0; r < height; r++) {
    const rowStart = reflectIndex(y0 + r, img.height) * img.width * 3;
    const dst = r * width * 3;
    if (inside) {
      out.set(img.data.subarray(rowStart + x0 * 3, rowStart + (x0 + width) * 3), dst);
      continue;
    }
    for (let c = 0; c < width; c++) {
      const s = rowStart + xs[c];
      const d = dst + c * 3;
      out[d] = img.data[s];
      out[d + 1] = img.data[s + 1];
      out[d + 2] = img.data[s + 2];
    }
  }
  return { width, height, data: out };
}

/**
 * Writes `img` as planes R, G, B scaled to [0, 1] into slot `slot` of a float32
 * [n, 3, img.height, img.width] batch (the graph normalizes mean/std itself).
 * @throws {InvalidArgumentError} when the slot lies outside `dst`.
 */
export function writeNchwSlot(img: RgbImage, dst: Float32Array, slot: number): void {
  const plane = img.width * img.height;
  const base = slot * 3 * plane;
  if (slot < 0 || base + 3 * plane > dst.length) {
    throw new InvalidArgumentError(`slot ${slot} of ${img.width}x${img.height} does not fit a batch of ${dst.length} floats`);
  }
  const scale = 1 / 255;
  for (let i = 0, s = 0; i < plane; i++, s += 3) {
    dst[base + i] = img.data[s] * scale;
    dst[base + plane + i] = img.data[s + 1] * scale;
    dst[base + 2 * plane + i] = img.data[s + 2] * scale;
  }
}
