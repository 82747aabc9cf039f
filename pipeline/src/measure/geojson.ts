/**
 * GeoJSON export that QuPath (0.4 and later) imports as detection objects: each Feature has
 * a UUID `id`, a Polygon geometry in level-0 px, and `properties.objectType: 'detection'`,
 * an optional `classification: { name, color: [r, g, b] }` and `measurements` as a flat
 * name -> number map (QuPath's PathObjectTypeAdapters read exactly these fields).
 * Browser-safe.
 */
import type { NucleusInstance } from './types.js';
import { MEASUREMENT_COLUMNS, type MeasurementColumn } from './measurement-columns.js';
import { uuidFromKey } from './nucleus-uuid.js';

/** A GeoJSON Polygon: one exterior ring, closed, [x, y] in level-0 px. */
export interface GeoJsonPolygon {
  readonly type: 'Polygon';
  readonly coordinates: (readonly (readonly [number, number])[])[];
}

/** QuPath's classification object. */
export interface QuPathClassification {
  readonly name: string;
  /** RGB, each 0..255. */
  readonly color: readonly [number, number, number];
}

/** One nucleus as a QuPath detection. */
export interface NucleusFeature {
  readonly type: 'Feature';
  /** UUID string, stable for the same nucleus (see {@link ToGeoJsonOptions.idNamespace}). */
  readonly id: string;
  readonly geometry: GeoJsonPolygon;
  readonly properties: {
    readonly objectType: 'detection';
    readonly classification?: QuPathClassification;
    readonly measurements: Readonly<Record<string, number>>;
  };
}

/** A FeatureCollection of nuclei. */
export interface NucleusFeatureCollection {
  readonly type: 'FeatureCollection';
  readonly features: NucleusFeature[];
}

/** Options of {@link toGeoJson}. */
export interface ToGeoJsonOptions {
  /** Class given to every nucleus; `null` for none. Default `{ name: 'Nucleus', color: [0, 90, 200] }`. */
  readonly classification?: QuPathClassification | null;
  /**
   * Mixed into each feature's id (e.g. the slide's name) so nuclei of different slides never
   * share an id. Default ''.
   */
  readonly idNamespace?: string;
}

/** The class {@link toGeoJson} gives nuclei by default. */
export const DEFAULT_NUCLEUS_CLASSIFICATION: QuPathClassification = { name: 'Nucleus', color: [0, 90, 200] };

/** The {@link MEASUREMENT_COLUMNS} QuPath reads (those with a QuPath name), in export order. */
export const QUPATH_COLUMNS: readonly (MeasurementColumn & { readonly qupath: string })[] = MEASUREMENT_COLUMNS.filter(
  (c): c is MeasurementColumn & { readonly qupath: string } => c.qupath !== undefined,
);

/** Their QuPath names. */
export const QUPATH_MEASUREMENT_NAMES: readonly string[] = QUPATH_COLUMNS.map((c) => c.qupath);

/**
 * A figure as QuPath gets it: undefined for one the instance lacks or that is not finite
 * (JSON has no NaN or Infinity; QuPath would read null as a missing measurement anyway).
 */
export function qupathValue(column: MeasurementColumn, n: NucleusInstance): number | undefined {
  const v = column.get(n);
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** A nucleus's QuPath measurements, name -> value, in {@link QUPATH_MEASUREMENT_NAMES} order; lacking figures left out. */
export function qupathMeasurements(n: NucleusInstance): Record<string, number> {
  const measurements: Record<string, number> = {};
  for (const column of QUPATH_COLUMNS) {
    const v = qupathValue(column, n);
    if (v !== undefined) measurements[column.qupath] = v;
  }
  return measurements;
}

/** The id {@link toGeoJson} gives `n`: a UUID from the namespace, label and bounding box. */
export function nucleusFeatureId(n: Pick<NucleusInstance, 'id' | 'bbox'>, idNamespace: string): string {
  const { x, y, width, height } = n.bbox;
  return uuidFromKey(`${idNamespace}|${n.id}|${x},${y},${width},${height}`);
}

/**
 * One QuPath detection feature from its parts (what {@link toGeoJson} builds per nucleus).
 * @param ring closed exterior ring, [x, y] in level-0 px
 */
export function nucleusFeature(
  id: string,
  ring: readonly (readonly [number, number])[],
  measurements: Readonly<Record<string, number>>,
  classification: QuPathClassification | null = DEFAULT_NUCLEUS_CLASSIFICATION,
): NucleusFeature {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'Polygon', coordinates: [ring.map(([px, py]) => [px, py] as const)] },
    properties: {
      objectType: 'detection',
      ...(classification && { classification: { name: classification.name, color: classification.color } }),
      measurements,
    },
  };
}

/**
 * Nuclei as a GeoJSON FeatureCollection for QuPath (File > Import objects, or drag and drop).
 * Measurement names without a unit are in level-0 px (Area in px², Perimeter in px); µm
 * figures and colour appear only when the instances carry them. Ids are UUIDs derived from
 * the namespace, label and bounding box, so the same run exports the same ids.
 * @param instances from {@link measureNuclei}
 * @example
 * const fc = toGeoJson(measureNuclei(labels, { micronsPerPixel: 0.25 }), { idNamespace: 'slide-17' });
 * JSON.stringify(fc); // write as .geojson
 */
export function toGeoJson(instances: readonly NucleusInstance[], opts: ToGeoJsonOptions = {}): NucleusFeatureCollection {
  const classification = opts.classification === undefined ? DEFAULT_NUCLEUS_CLASSIFICATION : opts.classification;
  const namespace = opts.idNamespace ?? '';
  const features = instances.map((n) => nucleusFeature(nucleusFeatureId(n, namespace), n.outline, qupathMeasurements(n), classification));
  return { type: 'FeatureCollection', features };
}
