/**
 * A scale bar burned into a displayed picture when microns per pixel are known.
 */
import type { RgbImage } from '@nucleilens/pipeline';
import { InvalidArgumentError } from '@nucleilens/pipeline';
import { GLYPH_HEIGHT, drawTextInPlace, textWidth } from './bitmap-font.js';

/**
 * The round length (1, 2 or 5 x 10^k µm) whose bar is closest to, and not longer than,
 * a fifth of the picture's width.
 * @param widthPx displayed picture width in pixels
 * @param micronsPerPixel microns per displayed pixel (> 0)
 * @example
 * scaleBarMicrons(1000, 0.25); // 50
 */
export function scaleBarMicrons(widthPx: number, micronsPerPixel: number): number {
  if (!(micronsPerPixel > 0) || !(widthPx > 0)) {
    throw new InvalidArgumentError(`scale bar needs a positive width and microns per pixel, got ${widthPx} px, ${micronsPerPixel} µm/px`);
  }
  const target = (widthPx / 5) * micronsPerPixel;
  const decade = 10 ** Math.floor(Math.log10(target));
  for (const step of [5, 2, 1]) if (step * decade <= target) return step * decade;
  return decade;
}

function formatMicrons(um: number): string {
  return `${um >= 1 ? String(um) : um.toPrecision(1)} µm`;
}

/**
 * Draws a white bar with a dark outline and its length ("50 µm") at the bottom left of
 * `img` (which must be the caller's own copy).
 * @param img RGB picture as displayed (uint8, interleaved)
 * @param micronsPerPixel microns per displayed pixel
 * @returns the bar's length in µm
 * @throws {InvalidArgumentError} when micronsPerPixel is not positive.
 * @example
 * drawScaleBarInPlace(copy, 0.25); // 50 µm bar on a 1000 px wide picture
 */
export function drawScaleBarInPlace(img: RgbImage, micronsPerPixel: number): number {
  const um = scaleBarMicrons(img.width, micronsPerPixel);
  const barPx = Math.max(1, Math.round(um / micronsPerPixel));
  const scale = Math.max(1, Math.round(img.width / 400));
  const margin = 4 * scale;
  const thickness = 2 * scale;
  const x0 = margin;
  const y0 = img.height - margin - thickness;
  for (let y = y0 - 1; y < y0 + thickness + 1; y++) {
    for (let x = x0 - 1; x < x0 + barPx + 1; x++) {
      if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
      const inside = y >= y0 && y < y0 + thickness && x >= x0 && x < x0 + barPx;
      const i = 3 * (y * img.width + x);
      const v = inside ? 255 : 0;
      img.data[i] = v;
      img.data[i + 1] = v;
      img.data[i + 2] = v;
    }
  }
  const label = formatMicrons(um);
  const tx = x0 + Math.max(0, Math.round((barPx - textWidth(label, scale)) / 2));
  drawTextInPlace(img, label, tx, y0 - (GLYPH_HEIGHT + 3) * scale, scale, [255, 255, 255]);
  return um;
}
