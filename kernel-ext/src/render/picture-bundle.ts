/** The MIME bundle of a picture: PNG (shrunk to fit, scale bar when µm/px is known) plus a text line. */
import type { RgbImage } from '@nucleilens/pipeline';
import type { MimeBundle } from '../display/mime-bundle.js';
import { fitForDisplay } from './compose.js';
import { pngBase64 } from './png-base64.js';
import { drawScaleBarInPlace } from './scale-bar.js';

/**
 * Longest side of a displayed picture, px: larger ones are box-averaged by a whole factor
 * (a 1000 px MoNuSeg image shows at 500 px; full-size PNGs of H&E are ~4 MB each).
 */
export const DISPLAY_MAX_SIDE = 768;

/**
 * Renders `img` for a cell output.
 * @param img RGB picture (uint8, interleaved); not modified
 * @param micronsPerPixel µm per pixel of `img`, when known: draws a scale bar
 * @param text the bundle's `text/plain`
 * @example
 * const bundle = await pictureBundle(rgb, 0.25, 'TCGA-… 1000x1000');
 */
export async function pictureBundle(img: RgbImage, micronsPerPixel: number | undefined, text: string, maxSide = DISPLAY_MAX_SIDE): Promise<MimeBundle> {
  const { image, factor } = fitForDisplay(img, maxSide);
  const shown = image === img ? { width: img.width, height: img.height, data: new Uint8Array(img.data) } : image;
  if (micronsPerPixel !== undefined && micronsPerPixel > 0) drawScaleBarInPlace(shown, micronsPerPixel * factor);
  return { 'image/png': await pngBase64(shown), 'text/plain': text };
}
