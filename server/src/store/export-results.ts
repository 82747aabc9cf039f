/**
 * Exports of a slide's stored nuclei: QuPath GeoJSON (a FeatureCollection of detections)
 * or CSV (one row per nucleus, the measurement columns of `toCsv`), produced in chunks so
 * a slide with a million nuclei never sits in memory as one string. Shared by the HTTP
 * export routes and `nucleilens segment --slide`.
 */
import { MEASUREMENT_COLUMNS, toCsv, toGeoJson, type NucleusInstance } from '@nucleilens/pipeline';
import type { ResultStore } from './result-store.js';

/** The export formats. */
export type ExportFormat = 'geojson' | 'csv';

/** MIME type of each format. */
export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = { geojson: 'application/geo+json', csv: 'text/csv' };

const CHUNK = 500;

/**
 * Writes every stored nucleus of `store` to `write`, chunk by chunk (awaiting each write).
 * @param idNamespace mixed into GeoJSON feature ids (the slide id, as `/nuclei` does)
 * @returns the number of nuclei written
 * @example
 * await exportResults(store, 'slide-1', 'csv', (text) => stream.write(text));
 */
export async function exportResults(
  store: ResultStore,
  idNamespace: string,
  format: ExportFormat,
  write: (text: string) => Promise<void> | void,
): Promise<number> {
  let batch: NucleusInstance[] = [];
  let count = 0;
  let first = true;
  const flush = async () => {
    if (format === 'csv') {
      const text = toCsv(batch);
      await write(text.slice(text.indexOf('\n') + 1));
    } else {
      const features = toGeoJson(batch, { idNamespace }).features.map((f) => JSON.stringify(f));
      await write((first ? '' : ',') + features.join(','));
    }
    first = false;
    count += batch.length;
    batch = [];
  };
  await write(format === 'csv' ? `${MEASUREMENT_COLUMNS.map((c) => c.csv).join(',')}\n` : '{"type":"FeatureCollection","features":[');
  for (const n of store.all()) {
    batch.push(n.instance);
    if (batch.length === CHUNK) await flush();
  }
  if (batch.length) await flush();
  if (format === 'geojson') await write(']}');
  return count;
}
