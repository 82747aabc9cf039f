/**
 * Colours of nuclei: one per instance, or a measurement on a perceptual ramp, quantized
 * into a few buckets so a frame strokes one path per colour. DOM-free.
 */
import type { NucleusRecord } from './nucleus-record.js';

/** What colours the nuclei (the same names as the overlay tiles' `color` parameter). */
export type ColorBy = 'instance' | 'area' | 'eccentricity' | 'hematoxylin';

/** Every {@link ColorBy}, in menu order. */
export const COLOR_BY_CHOICES: readonly ColorBy[] = ['instance', 'area', 'eccentricity', 'hematoxylin'];

/** The QuPath measurement name each measurement colouring reads (as the server's GeoJSON names them). */
export const COLOR_BY_MEASUREMENT: Readonly<Record<Exclude<ColorBy, 'instance'>, string>> = {
  area: 'Area',
  eccentricity: 'Eccentricity',
  hematoxylin: 'Hematoxylin OD mean',
};

/** Human label of each colouring, for menus and legends. */
export const COLOR_BY_LABEL: Readonly<Record<ColorBy, string>> = {
  instance: 'Instance',
  area: 'Area (px²)',
  eccentricity: 'Eccentricity',
  hematoxylin: 'Hematoxylin density (OD)',
};

// Viridis (van der Walt & Smith, matplotlib 2015) from its 0.25 point up, at 7 evenly spaced
// stops: perceptually uniform and readable by colour-blind viewers. The darkest quarter is
// left out because thin outlines in it vanish on hematoxylin-dark nuclei.
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

/** Number of colours a measurement ramp is cut into. */
export const RAMP_BUCKETS = 12;
/** Number of hues instance colouring cycles through. */
export const INSTANCE_HUES = 12;

function hex(r: number, g: number, b: number): string {
  return `#${((1 << 24) | (Math.round(r) << 16) | (Math.round(g) << 8) | Math.round(b)).toString(16).slice(1)}`;
}

/**
 * The ramp's colour at t in [0, 1] (clamped), as `#rrggbb`.
 * @example
 * rampColor(0); // '#3b518b'
 */
export function rampColor(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return hex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
}

/** A CSS linear-gradient of the ramp, left (low) to right (high). */
export function rampGradientCss(): string {
  return `linear-gradient(to right, ${VIRIDIS.map((c) => hex(c[0], c[1], c[2])).join(', ')})`;
}

function hslHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => 255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1)));
  return hex(f(0), f(8), f(4));
}

/** The instance colours: well-separated saturated hues. */
export const INSTANCE_PALETTE: readonly string[] = Array.from({ length: INSTANCE_HUES }, (_, i) =>
  // Stepping by 5/12 of the circle puts consecutive buckets far apart in hue.
  hslHex(((i * 5) % INSTANCE_HUES) * (360 / INSTANCE_HUES), 0.85, 0.55),
);

/** A stable bucket in [0, INSTANCE_HUES) for a nucleus id (FNV-1a over the string). */
export function instanceBucket(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % INSTANCE_HUES;
}

/** A measurement ramp's value range. */
export interface RampDomain {
  readonly min: number;
  readonly max: number;
}

/**
 * The 2nd to 98th percentile of a measurement over `records` (robust to a few huge or tiny
 * nuclei), or undefined when no record carries it.
 * @example
 * measurementDomain(records, 'Area'); // { min: 61, max: 412 }
 */
export function measurementDomain(records: readonly NucleusRecord[], name: string): RampDomain | undefined {
  const vals: number[] = [];
  for (const r of records) {
    const v = r.measurements[name];
    if (Number.isFinite(v)) vals.push(v);
  }
  if (vals.length === 0) return undefined;
  vals.sort((a, b) => a - b);
  const at = (q: number) => vals[Math.min(vals.length - 1, Math.max(0, Math.round(q * (vals.length - 1))))];
  const min = at(0.02);
  const max = at(0.98);
  return { min, max: max > min ? max : min + 1 };
}

/**
 * Bucket of a value on a ramp: 0..RAMP_BUCKETS-1, or -1 when the value is missing (such
 * nuclei are drawn in a neutral grey).
 */
export function rampBucket(value: number | undefined, domain: RampDomain | undefined): number {
  if (value === undefined || !Number.isFinite(value) || !domain) return -1;
  const t = (value - domain.min) / (domain.max - domain.min);
  return Math.min(RAMP_BUCKETS - 1, Math.max(0, Math.floor(t * RAMP_BUCKETS)));
}

/** The colour drawn for ramp bucket b (bucket centres), grey for -1. */
export function rampBucketColor(b: number): string {
  return b < 0 ? '#9e9e9e' : rampColor((b + 0.5) / RAMP_BUCKETS);
}
