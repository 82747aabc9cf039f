/**
 * Label images drawn over their picture: each instance gets a distinct hue (golden-ratio
 * steps around the colour wheel, so neighbours with consecutive ids differ strongly) and its
 * outline, optionally a light fill.
 */
// The raster subpath, not the package root: this file is bundled into the tuner's browser worker.
import { assertSameSize, type LabelImage, type RgbImage } from '@nucleilens/pipeline/raster';

/** The RGB colour of label `id` (> 0). */
export function labelColour(id: number): [number, number, number] {
  const h = (id * 0.6180339887) % 1;
  const s = 0.85;
  const v = 1;
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const rgb = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i % 6];
  return [Math.round(rgb[0] * 255), Math.round(rgb[1] * 255), Math.round(rgb[2] * 255)];
}

/** How labels are drawn by {@link overlayLabels}. */
export interface OverlayStyle {
  /** Opacity of the fill inside each instance, 0 (outline only) to 1. Default 0.25. */
  readonly fillOpacity?: number;
}

/**
 * The picture with every instance's outline (its pixels with a 4-neighbour of another
 * label) in the instance's colour, and a translucent fill.
 * @param image width x height RGB (uint8, interleaved)
 * @param labels width x height Int32 labels, 0 = background
 * @returns a new RGB image
 * @throws {ShapeError} when the sizes differ.
 * @example
 * const pic = overlayLabels(rgb, labels, { fillOpacity: 0 });
 */
export function overlayLabels(image: RgbImage, labels: LabelImage, style: OverlayStyle = {}): RgbImage {
  assertSameSize('image', image, 'labels', labels);
  const { width, height } = labels;
  const alpha = style.fillOpacity ?? 0.25;
  const out = new Uint8Array(image.data);
  const lab = labels.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const id = lab[i];
      if (id === 0) continue;
      const edge =
        x === 0 || y === 0 || x === width - 1 || y === height - 1 ||
        lab[i - 1] !== id || lab[i + 1] !== id || lab[i - width] !== id || lab[i + width] !== id;
      const a = edge ? 1 : alpha;
      if (a === 0) continue;
      const c = labelColour(id);
      for (let k = 0; k < 3; k++) out[3 * i + k] = Math.round(out[3 * i + k] * (1 - a) + c[k] * a);
    }
  }
  return { width, height, data: out };
}
