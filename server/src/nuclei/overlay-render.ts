/**
 * Transparent label overlay tiles: owned nuclei rasterized into an output-resolution
 * instance raster (one pixel of margin on every side, so outlines continue across tile
 * seams), then drawn as fill or outline, coloured by instance or by a measurement. Pure.
 */
import { InvalidArgumentError, rasterizePolygons, type NucleusInstance, type Polygon, type Rect } from '@nucleilens/pipeline';

/** How nuclei are drawn. */
export type OverlayStyle = 'outline' | 'fill';

/** What picks a nucleus' colour. */
export type OverlayColor = 'instance' | 'area' | 'eccentricity' | 'hematoxylin';

/** The accepted values, for validation. */
export const OVERLAY_STYLES: readonly OverlayStyle[] = ['outline', 'fill'];
export const OVERLAY_COLORS: readonly OverlayColor[] = ['instance', 'area', 'eccentricity', 'hematoxylin'];

/** A nucleus to draw, with a stable identity for its instance colour. */
export interface OverlayNucleus {
  readonly instance: NucleusInstance;
  /** Stable id (the GeoJSON feature id): equal ids get equal colours on every tile. */
  readonly id: string;
}

/** Options of {@link renderOverlay}. */
export interface OverlayOptions {
  readonly style: OverlayStyle;
  readonly color: OverlayColor;
  /** Microns per level-0 px; areas are coloured in µm² when known. */
  readonly mpp?: number;
}

const FILL_ALPHA = 110;
const OUTLINE_ALPHA = 255;

// Viridis at five stops: readable on pink and purple H&E and ordered in lightness.
const RAMP: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

function ramp(t: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(v));
  const f = v - i;
  const a = RAMP[i];
  const b = RAMP[i + 1];
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

function hashColour(id: string): [number, number, number] {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  const hue = ((h >>> 0) % 360) / 60;
  // Saturated, light enough to read on dark nuclei: HSV with s = 0.75, v = 1.
  const c = 0.75;
  const x = c * (1 - Math.abs((hue % 2) - 1));
  const [r, g, b] = hue < 1 ? [c, x, 0] : hue < 2 ? [x, c, 0] : hue < 3 ? [0, c, x] : hue < 4 ? [0, x, c] : hue < 5 ? [x, 0, c] : [c, 0, x];
  const m = 1 - c;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/**
 * A nucleus' colour. Measurement ranges are fixed (not per tile), so one nucleus has one
 * colour everywhere: area 10..120 µm² (160..1920 px² without microns per pixel),
 * eccentricity 0..1, mean hematoxylin 0.2..1.2 OD.
 */
export function overlayColour(n: OverlayNucleus, color: OverlayColor, mpp?: number): [number, number, number] {
  const inst = n.instance;
  switch (color) {
    case 'instance':
      return hashColour(n.id);
    case 'area': {
      const um2 = mpp !== undefined && mpp > 0 ? inst.area * mpp * mpp : inst.area / 16;
      return ramp((um2 - 10) / 110);
    }
    case 'eccentricity':
      return ramp(inst.eccentricity);
    case 'hematoxylin':
      return ramp(((inst.meanHematoxylin ?? 0) - 0.2) / 1.0);
  }
}

/**
 * Draws `nuclei` over level-0 `region` into a `width` x `height` RGBA image (premultiplied
 * alpha not used; transparent where there is no nucleus).
 * @param nuclei outlines in level-0 px; earlier ones win where two overlap
 * @param region the level-0 rectangle the tile shows
 * @throws {InvalidArgumentError} for an empty output size.
 * @example
 * const rgba = renderOverlay(nuclei, tile.region, tile.width, tile.height, { style: 'outline', color: 'instance' });
 */
export function renderOverlay(nuclei: readonly OverlayNucleus[], region: Rect, width: number, height: number, o: OverlayOptions): Uint8Array {
  if (!(width >= 1 && height >= 1)) throw new InvalidArgumentError(`overlay size must be at least 1x1, got ${width}x${height}`);
  const out = new Uint8Array(width * height * 4);
  if (nuclei.length === 0) return out;
  const sx = region.width / width;
  const sy = region.height / height;
  const W = width + 2;
  const H = height + 2;
  const polys: Polygon[] = nuclei.map(({ instance }) => ({
    xs: Float64Array.from(instance.outline, (p) => (p[0] - region.x) / sx + 1),
    ys: Float64Array.from(instance.outline, (p) => (p[1] - region.y) / sy + 1),
  }));
  const labels = rasterizePolygons(polys, W, H, { rule: 'pixel-centre', overlap: 'first' }).data;
  // Nuclei smaller than an output pixel (coarse levels) still show as one pixel at the centroid.
  nuclei.forEach(({ instance: n }, i) => {
    if (n.bbox.width / sx >= 1.5 && n.bbox.height / sy >= 1.5) return;
    const c = Math.floor((n.centroid.x - region.x) / sx) + 1;
    const r = Math.floor((n.centroid.y - region.y) / sy) + 1;
    if (c >= 0 && r >= 0 && c < W && r < H && labels[r * W + c] === 0) labels[r * W + c] = i + 1;
  });
  const colours = nuclei.map((n) => overlayColour(n, o.color, o.mpp));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = (y + 1) * W + (x + 1);
      const l = labels[k];
      if (l === 0) continue;
      let alpha = FILL_ALPHA;
      if (o.style === 'outline') {
        if (labels[k - 1] === l && labels[k + 1] === l && labels[k - W] === l && labels[k + W] === l) continue;
        alpha = OUTLINE_ALPHA;
      }
      const [r, g, b] = colours[l - 1];
      const p = (y * width + x) * 4;
      out[p] = r;
      out[p + 1] = g;
      out[p + 2] = b;
      out[p + 3] = alpha;
    }
  }
  return out;
}
