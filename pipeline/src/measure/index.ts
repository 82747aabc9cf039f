/** Per-nucleus measurements and their exports (browser-safe). */
export type { NucleusInstance, PixelPoint } from './types.js';
export { measureNuclei } from './measure-nuclei.js';
export type { MeasureOptions, OmittedFigures } from './measure-nuclei.js';
export { toCsv } from './csv.js';
export {
  toGeoJson,
  DEFAULT_NUCLEUS_CLASSIFICATION,
  QUPATH_COLUMNS,
  QUPATH_MEASUREMENT_NAMES,
  qupathValue,
  qupathMeasurements,
  nucleusFeatureId,
  nucleusFeature,
} from './geojson.js';
export type {
  GeoJsonPolygon,
  NucleusFeature,
  NucleusFeatureCollection,
  QuPathClassification,
  ToGeoJsonOptions,
} from './geojson.js';
export { MEASUREMENT_COLUMNS } from './measurement-columns.js';
export type { MeasurementColumn } from './measurement-columns.js';
export { equalBins } from './histogram-bins.js';
export type { HistogramBins } from './histogram-bins.js';
