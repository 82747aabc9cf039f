/**
 * The viewer's form of one nucleus: the GeoJSON feature (for export) plus the flat ring,
 * bounding box and centroid that drawing and hit-testing read every frame; and the packed
 * columns a tuning worker posts instead of features, so a slider step clones no objects.
 * DOM-free.
 */
import { QUPATH_COLUMNS, QUPATH_MEASUREMENT_NAMES, nucleusFeature, nucleusFeatureId, qupathValue, type NucleusInstance } from '@nucleilens/pipeline/measure';
import type { NucleusFeature } from './server-types.js';

/** One nucleus, level-0 px. */
export interface NucleusRecord {
  /** The feature's id (a UUID from the server or the worker). */
  readonly id: string;
  /** Exterior ring, flat [x0, y0, x1, y1, ...], closed (last point = first). */
  readonly ring: Float64Array;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  /** Centroid; the one the server's ownership and region queries use. */
  readonly cx: number;
  readonly cy: number;
  /** QuPath measurement name -> value (Area, Eccentricity, Hematoxylin OD mean...). */
  readonly measurements: Readonly<Record<string, number>>;
  /** The feature as received, for GeoJSON download. */
  readonly feature: NucleusFeature;
}

/** Area-weighted centroid of a closed ring (shoelace); the vertex mean for a degenerate ring. */
function ringCentroid(ring: Float64Array): { x: number; y: number } {
  let a2 = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i + 3 < ring.length; i += 2) {
    const cross = ring[i] * ring[i + 3] - ring[i + 2] * ring[i + 1];
    a2 += cross;
    sx += (ring[i] + ring[i + 2]) * cross;
    sy += (ring[i + 1] + ring[i + 3]) * cross;
  }
  if (a2 !== 0) return { x: sx / (3 * a2), y: sy / (3 * a2) };
  let mx = 0;
  let my = 0;
  const n = ring.length / 2;
  for (let i = 0; i < ring.length; i += 2) {
    mx += ring[i];
    my += ring[i + 1];
  }
  return { x: mx / n, y: my / n };
}

/**
 * A record from a GeoJSON nucleus feature. The centroid is the feature's `Centroid X px` /
 * `Centroid Y px` measurements when present (the pixel centroid the server filters on),
 * else the polygon's.
 * @throws {TypeError} when the feature has no polygon ring of at least 3 points.
 * @example
 * const r = recordFromFeature(feature);
 * r.measurements.Area; // px²
 */
export function recordFromFeature(feature: NucleusFeature): NucleusRecord {
  const outer = feature.geometry?.coordinates?.[0];
  if (!outer || outer.length < 3) throw new TypeError(`nucleus feature ${String(feature.id)} has no polygon ring`);
  const ring = new Float64Array(outer.length * 2);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < outer.length; i++) {
    const x = outer[i][0];
    const y = outer[i][1];
    ring[2 * i] = x;
    ring[2 * i + 1] = y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const m = feature.properties?.measurements ?? {};
  const given = Number.isFinite(m['Centroid X px']) && Number.isFinite(m['Centroid Y px']);
  const c = given ? { x: m['Centroid X px'], y: m['Centroid Y px'] } : ringCentroid(ring);
  return { id: String(feature.id), ring, minX, minY, maxX, maxY, cx: c.x, cy: c.y, measurements: m, feature };
}

/**
 * One tile's nuclei as transferable columns (what a tuning worker posts): typed arrays move
 * between threads without copying, where features would be cloned object by object.
 */
export interface PackedNuclei {
  /** Feature ids, as the GeoJSON export gives them. */
  readonly ids: readonly string[];
  /** Nucleus k's closed ring is `rings[ringStart[k] .. ringStart[k + 1])`, flat x, y, level-0 px. */
  readonly ringStart: Int32Array;
  readonly rings: Float64Array;
  /** Measurement names (QuPath's), the columns of `values`. */
  readonly names: readonly string[];
  /** ids.length x names.length, row-major; NaN where a nucleus lacks the figure. */
  readonly values: Float64Array;
}

/**
 * Packs measured nuclei (outlines and QuPath measurements as `toGeoJson` exports them).
 * @example
 * const packed = packNuclei(instances, 'slide-17');
 * postMessage(packed, [packed.ringStart.buffer, packed.rings.buffer, packed.values.buffer]);
 */
export function packNuclei(instances: readonly NucleusInstance[], idNamespace: string): PackedNuclei {
  const names = QUPATH_MEASUREMENT_NAMES;
  const ringStart = new Int32Array(instances.length + 1);
  for (let k = 0; k < instances.length; k++) ringStart[k + 1] = ringStart[k] + 2 * instances[k].outline.length;
  const rings = new Float64Array(ringStart[instances.length]);
  const values = new Float64Array(instances.length * names.length).fill(NaN);
  const ids: string[] = [];
  instances.forEach((n, k) => {
    ids.push(nucleusFeatureId(n, idNamespace));
    let o = ringStart[k];
    // No `const [x, y]` destructuring: it allocates iterator results per point, megabytes per
    // slider step in a worker whose garbage collector shares the cores.
    for (const point of n.outline) {
      rings[o++] = point[0];
      rings[o++] = point[1];
    }
    for (let c = 0; c < QUPATH_COLUMNS.length; c++) {
      const v = qupathValue(QUPATH_COLUMNS[c], n);
      if (v !== undefined) values[k * names.length + c] = v;
    }
  });
  return { ids, ringStart, rings, names, values };
}

/** A record over packed columns: the ring is a view, the feature is built when asked for. */
class PackedRecord implements NucleusRecord {
  private built: NucleusFeature | undefined;

  constructor(
    readonly id: string,
    readonly ring: Float64Array,
    readonly minX: number,
    readonly minY: number,
    readonly maxX: number,
    readonly maxY: number,
    readonly cx: number,
    readonly cy: number,
    readonly measurements: Readonly<Record<string, number>>,
  ) {}

  get feature(): NucleusFeature {
    if (!this.built) {
      const outline: [number, number][] = [];
      for (let i = 0; i < this.ring.length; i += 2) outline.push([this.ring[i], this.ring[i + 1]]);
      this.built = nucleusFeature(this.id, outline, this.measurements);
    }
    return this.built;
  }
}

/**
 * Records from packed columns: the same ids, rings, boxes, centroids and measurements as
 * {@link recordFromFeature} gives for the features `toGeoJson` would have made.
 * @example
 * const records = recordsFromPacked(message.nuclei);
 */
export function recordsFromPacked(p: PackedNuclei): NucleusRecord[] {
  const { names, values } = p;
  const cxColumn = names.indexOf('Centroid X px');
  const cyColumn = names.indexOf('Centroid Y px');
  const out: NucleusRecord[] = [];
  for (let k = 0; k < p.ids.length; k++) {
    const ring = p.rings.subarray(p.ringStart[k], p.ringStart[k + 1]);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < ring.length; i += 2) {
      const x = ring[i];
      const y = ring[i + 1];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    const measurements: Record<string, number> = {};
    const row = k * names.length;
    for (let c = 0; c < names.length; c++) {
      const v = values[row + c];
      if (!Number.isNaN(v)) measurements[names[c]] = v;
    }
    const cx = cxColumn >= 0 ? values[row + cxColumn] : NaN;
    const cy = cyColumn >= 0 ? values[row + cyColumn] : NaN;
    const c = Number.isFinite(cx) && Number.isFinite(cy) ? { x: cx, y: cy } : ringCentroid(ring);
    out.push(new PackedRecord(p.ids[k], ring, minX, minY, maxX, maxY, c.x, c.y, measurements));
  }
  return out;
}

/**
 * Whether (x, y) lies inside the record's ring (even-odd rule), level-0 px.
 * @example
 * recordHolds(record, record.cx, record.cy); // true for a convex nucleus
 */
export function recordHolds(r: NucleusRecord, x: number, y: number): boolean {
  if (x < r.minX || x > r.maxX || y < r.minY || y > r.maxY) return false;
  const p = r.ring;
  let inside = false;
  for (let i = 0, j = p.length - 2; i < p.length; j = i, i += 2) {
    const yi = p[i + 1];
    const yj = p[j + 1];
    if (yi > y !== yj > y && x < ((p[j] - p[i]) * (y - yi)) / (yj - yi) + p[i]) inside = !inside;
  }
  return inside;
}
