/**
 * A 5x7 pixel font for the few characters a scale bar label needs, so labels are burned into
 * the PNG itself (the picture stays self-explanatory when saved or exported) without a font
 * renderer.
 */
import type { RgbImage } from '@nucleilens/pipeline';

const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  '0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
  '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  '2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  '3': ['11110', '00001', '00001', '01110', '00001', '00001', '11110'],
  '4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  '5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
  '6': ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
  '7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  '8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
  '9': ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
  '.': ['00000', '00000', '00000', '00000', '00000', '01100', '01100'],
  ' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
  µ: ['00000', '00000', '10001', '10001', '10011', '11101', '10000'],
  m: ['00000', '00000', '11010', '10101', '10101', '10101', '10101'],
};

/** Glyph cell width and height in font pixels (one column of spacing included). */
export const GLYPH_ADVANCE = 6;
export const GLYPH_HEIGHT = 7;

/** Width in image pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale: number): number {
  return text.length * GLYPH_ADVANCE * scale;
}

/**
 * Draws `text` with its top-left at (x, y), each font pixel a `scale` x `scale` square, with
 * a one-pixel dark halo so it reads on any tissue. Characters outside the font are skipped.
 * Pixels outside the image are clipped.
 */
export function drawTextInPlace(img: RgbImage, text: string, x: number, y: number, scale: number, rgb: readonly [number, number, number]): void {
  const put = (px: number, py: number, c: readonly [number, number, number]): void => {
    if (px < 0 || py < 0 || px >= img.width || py >= img.height) return;
    const i = 3 * (py * img.width + px);
    img.data[i] = c[0];
    img.data[i + 1] = c[1];
    img.data[i + 2] = c[2];
  };
  const forEachFontPixel = (fn: (px: number, py: number) => void): void => {
    [...text].forEach((ch, k) => {
      const rows = GLYPHS[ch];
      if (!rows) return;
      rows.forEach((row, gy) => {
        for (let gx = 0; gx < 5; gx++) {
          if (row[gx] !== '1') continue;
          for (let sy = 0; sy < scale; sy++) {
            for (let sx = 0; sx < scale; sx++) fn(x + (k * GLYPH_ADVANCE + gx) * scale + sx, y + gy * scale + sy);
          }
        }
      });
    });
  };
  const dark = [0, 0, 0] as const;
  forEachFontPixel((px, py) => {
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) put(px + dx, py + dy, dark);
  });
  forEachFontPixel((px, py) => put(px, py, rgb));
}
