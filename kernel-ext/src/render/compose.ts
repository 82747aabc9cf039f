/**
 * Arranging pictures for display: shrinking large ones by a whole factor (so the scale bar
 * stays exact) and setting several side by side.
 */
import type { LabelImage, RgbImage } from '@nucleilens/pipeline';

/**
 * Box-averages `img` by the smallest whole factor that brings its longer side to at most
 * `maxSide`; returns it unchanged (factor 1) when it already fits.
 * @returns the picture and the factor (display px = factor x source px)
 * @example
 * const { image, factor } = fitForDisplay(region, 1024);
 */
export function fitForDisplay(img: RgbImage, maxSide: number): { image: RgbImage; factor: number } {
  const factor = Math.max(1, Math.ceil(Math.max(img.width, img.height) / maxSide));
  if (factor === 1) return { image: img, factor };
  const w = Math.floor(img.width / factor);
  const h = Math.floor(img.height / factor);
  const data = new Uint8Array(3 * w * h);
  const n = factor * factor;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          const row = (y * factor + dy) * img.width;
          for (let dx = 0; dx < factor; dx++) sum += img.data[3 * (row + x * factor + dx) + c];
        }
        data[3 * (y * w + x) + c] = Math.round(sum / n);
      }
    }
  }
  return { image: { width: w, height: h, data }, factor };
}

/**
 * Pictures left to right, top-aligned, `gap` white pixels apart, on white.
 * @example
 * const both = sideBySide([maskPic, markerPic, bar], 8);
 */
export function sideBySide(images: readonly RgbImage[], gap: number): RgbImage {
  const width = images.reduce((s, im) => s + im.width, 0) + gap * Math.max(0, images.length - 1);
  const height = Math.max(...images.map((im) => im.height));
  const data = new Uint8Array(3 * width * height).fill(255);
  let x0 = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) data.set(im.data.subarray(3 * y * im.width, 3 * (y + 1) * im.width), 3 * (y * width + x0));
    x0 += im.width + gap;
  }
  return { width, height, data };
}

/**
 * Labels shrunk by a whole factor to match {@link fitForDisplay}'s picture, by taking each
 * block's top-left label (labels are ids: averaging them would invent ids).
 * @example
 * const shown = shrinkLabels(labels, factor);
 */
export function shrinkLabels(labels: LabelImage, factor: number): LabelImage {
  if (factor === 1) return labels;
  const w = Math.floor(labels.width / factor);
  const h = Math.floor(labels.height / factor);
  const data = new Int32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = labels.data[y * factor * labels.width + x * factor];
  return { width: w, height: h, data };
}
