/**
 * A small deterministic H&E-like image for browser tests and the viewer benchmark: pink
 * stroma with dark purple elliptical nuclei on a jittered grid (dense where `density` is 1),
 * so the tiny fixture model (a dark-red-channel cue) sees many separate blobs.
 */
import type { RgbImage } from '@nucleilens/pipeline';

/** Options of {@link syntheticNucleiImage}. */
export interface SyntheticNucleiOptions {
  readonly width: number;
  readonly height: number;
  /** Grid spacing of nuclei centres, px; default 30. */
  readonly spacing?: number;
  readonly seed?: number;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Renders the image; returns it with the number of nuclei drawn.
 * @example
 * const { image, nuclei } = syntheticNucleiImage({ width: 2048, height: 1536 });
 */
export function syntheticNucleiImage(o: SyntheticNucleiOptions): { image: RgbImage; nuclei: number } {
  const { width, height } = o;
  const spacing = o.spacing ?? 30;
  const rand = rng(o.seed ?? 1);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const n = (rand() - 0.5) * 10;
    data[3 * i] = 238 + n;
    data[3 * i + 1] = 196 + n;
    data[3 * i + 2] = 214 + n;
  }
  let nuclei = 0;
  for (let gy = spacing / 2; gy < height; gy += spacing) {
    for (let gx = spacing / 2; gx < width; gx += spacing) {
      const cx = gx + (rand() - 0.5) * spacing * 0.35;
      const cy = gy + (rand() - 0.5) * spacing * 0.35;
      const a = 6 + rand() * 5;
      const b = a * (0.6 + rand() * 0.4);
      const th = rand() * Math.PI;
      const dark = 0.75 + rand() * 0.25;
      const c = Math.cos(th);
      const s = Math.sin(th);
      const r = Math.ceil(a) + 1;
      nuclei++;
      for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, Math.ceil(cy + r)); y++) {
        for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, Math.ceil(cx + r)); x++) {
          const u = ((x + 0.5 - cx) * c + (y + 0.5 - cy) * s) / a;
          const v = (-(x + 0.5 - cx) * s + (y + 0.5 - cy) * c) / b;
          const d = u * u + v * v;
          if (d > 1) continue;
          const k = 3 * (y * width + x);
          const w = dark * (1 - 0.25 * d);
          data[k] = data[k] * (1 - w) + 70 * w;
          data[k + 1] = data[k + 1] * (1 - w) + 40 * w;
          data[k + 2] = data[k + 2] * (1 - w) + 120 * w;
        }
      }
    }
  }
  return { image: { width, height, data }, nuclei };
}
