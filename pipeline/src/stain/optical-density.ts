import type { RgbImage } from '../raster/types.js';

/** Optical density of one 8-bit intensity: -ln(I / I0), with I clamped to [1, I0]. */
export function intensityToOd(value: number, background: number): number {
  const v = value < 1 ? 1 : value > background ? background : value;
  return -Math.log(v / background);
}

/** Lookup table from 8-bit intensity to optical density (256 entries). */
export function odTable(background: number): Float32Array {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = intensityToOd(v, background);
  return table;
}

/**
 * Tissue pixels: those whose OD vector is longer than `minOd` (white glass is near 0).
 * A per-channel test would drop pale eosin pixels, which absorb little red and blue, and bias
 * the eosin estimate towards purple.
 */
export function tissueOdSamples(
  img: RgbImage,
  background: number,
  minOd: number,
  maxSamples: number,
): Float32Array {
  const table = odTable(background);
  const n = img.width * img.height;
  const picked: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = table[img.data[3 * i]];
    const g = table[img.data[3 * i + 1]];
    const b = table[img.data[3 * i + 2]];
    if (r * r + g * g + b * b > minOd * minOd) picked.push(i);
  }
  // Deterministic even subsampling: the same image always fits to the same numbers.
  const step = Math.max(1, picked.length / maxSamples);
  const count = Math.min(picked.length, maxSamples);
  const out = new Float32Array(count * 3);
  for (let k = 0; k < count; k++) {
    const i = picked[Math.floor(k * step)];
    out[3 * k] = table[img.data[3 * i]];
    out[3 * k + 1] = table[img.data[3 * i + 1]];
    out[3 * k + 2] = table[img.data[3 * i + 2]];
  }
  return out;
}
