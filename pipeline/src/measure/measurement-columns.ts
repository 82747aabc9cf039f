/**
 * The one list of per-nucleus measurement columns, shared by the CSV and GeoJSON exports so
 * the two always carry the same figures in the same order. Browser-safe.
 */
import type { NucleusInstance } from './types.js';

/** One exported measurement. */
export interface MeasurementColumn {
  /** CSV header (snake_case, unit in the name). */
  readonly csv: string;
  /** QuPath measurement name (unit-less names are level-0 px), or undefined when QuPath's geometry already says it. */
  readonly qupath: string | undefined;
  /** The value, or undefined when the instance lacks it (no image, no microns per pixel). */
  readonly get: (n: NucleusInstance) => number | undefined;
}

/** Every column, in export order. */
export const MEASUREMENT_COLUMNS: readonly MeasurementColumn[] = [
  { csv: 'id', qupath: 'Label', get: (n) => n.id },
  { csv: 'centroid_x', qupath: 'Centroid X px', get: (n) => n.centroid.x },
  { csv: 'centroid_y', qupath: 'Centroid Y px', get: (n) => n.centroid.y },
  { csv: 'bbox_x', qupath: undefined, get: (n) => n.bbox.x },
  { csv: 'bbox_y', qupath: undefined, get: (n) => n.bbox.y },
  { csv: 'bbox_width', qupath: undefined, get: (n) => n.bbox.width },
  { csv: 'bbox_height', qupath: undefined, get: (n) => n.bbox.height },
  { csv: 'area_px', qupath: 'Area', get: (n) => n.area },
  { csv: 'area_um2', qupath: 'Area µm^2', get: (n) => n.areaUm2 },
  { csv: 'perimeter_px', qupath: 'Perimeter', get: (n) => n.perimeter },
  { csv: 'perimeter_um', qupath: 'Perimeter µm', get: (n) => n.perimeterUm },
  { csv: 'equivalent_diameter_px', qupath: 'Equivalent diameter', get: (n) => n.equivalentDiameter },
  { csv: 'equivalent_diameter_um', qupath: 'Equivalent diameter µm', get: (n) => n.equivalentDiameterUm },
  { csv: 'eccentricity', qupath: 'Eccentricity', get: (n) => n.eccentricity },
  { csv: 'orientation_rad', qupath: 'Orientation rad', get: (n) => n.orientation },
  { csv: 'solidity', qupath: 'Solidity', get: (n) => n.solidity },
  { csv: 'mean_r', qupath: 'Mean red', get: (n) => n.meanRgb?.[0] },
  { csv: 'mean_g', qupath: 'Mean green', get: (n) => n.meanRgb?.[1] },
  { csv: 'mean_b', qupath: 'Mean blue', get: (n) => n.meanRgb?.[2] },
  { csv: 'mean_hematoxylin_od', qupath: 'Hematoxylin OD mean', get: (n) => n.meanHematoxylin },
];
