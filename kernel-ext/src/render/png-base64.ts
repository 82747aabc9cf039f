/** PNG bytes of a picture, base64 as a Jupyter `image/png` output wants them. */
import type { RgbImage } from '@nucleilens/pipeline';
import { encodeRgb } from '@nucleilens/pipeline';

/**
 * Encodes `img` as PNG (through the pipeline's sharp encoder) and returns base64.
 * @example
 * const b64 = await pngBase64(picture);
 */
export async function pngBase64(img: RgbImage): Promise<string> {
  return (await encodeRgb(img, 'png')).toString('base64');
}
