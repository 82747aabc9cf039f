import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureNuclei, toCsv, toGeoJson, DEFAULT_NUCLEUS_CLASSIFICATION } from '@nucleilens/pipeline/measure';
import type { LabelImage } from '@nucleilens/pipeline';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Two nuclei: a 3x3 square (label 1) and a 2x1 bar (label 2).
const LABELS: LabelImage = {
  width: 6,
  height: 5,
  data: Int32Array.from([
    0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 0, 0,
    0, 1, 1, 1, 0, 2,
    0, 1, 1, 1, 0, 2,
    0, 0, 0, 0, 0, 0,
  ]),
};

test('GeoJSON carries the fields QuPath reads for detections', () => {
  const instances = measureNuclei(LABELS, { micronsPerPixel: 0.25 });
  const fc = toGeoJson(instances);
  assert.equal(fc.type, 'FeatureCollection');
  assert.equal(fc.features.length, 2);
  for (const [i, f] of fc.features.entries()) {
    assert.equal(f.type, 'Feature');
    assert.match(f.id, UUID);
    assert.equal(f.geometry.type, 'Polygon');
    const ring = f.geometry.coordinates[0];
    assert.deepEqual(ring, instances[i].outline);
    assert.deepEqual(ring[0], ring[ring.length - 1]);
    assert.equal(f.properties.objectType, 'detection');
    assert.deepEqual(f.properties.classification, DEFAULT_NUCLEUS_CLASSIFICATION);
    for (const c of f.properties.classification?.color ?? []) assert.ok(Number.isInteger(c) && c >= 0 && c <= 255);
    for (const v of Object.values(f.properties.measurements)) assert.ok(Number.isFinite(v));
  }
  assert.notEqual(fc.features[0].id, fc.features[1].id);
  const m = fc.features[0].properties.measurements;
  assert.equal(m['Area'], 9);
  assert.equal(m['Perimeter'], 8);
  assert.equal(m['Area µm^2'], 9 / 16);
  assert.equal(m['Perimeter µm'], 2);
  assert.equal(m['Solidity'], 1);
  assert.equal(m['Label'], 1);
  assert.equal(m['Mean red'], undefined, 'no image, no colour measurement');
  // Survives JSON (no NaN, no typed arrays) unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(fc)), fc);
});

test('GeoJSON ids are stable per nucleus and namespace; classification can be changed or left out', () => {
  const instances = measureNuclei(LABELS);
  const a = toGeoJson(instances).features.map((f) => f.id);
  assert.deepEqual(toGeoJson(instances).features.map((f) => f.id), a);
  const other = toGeoJson(instances, { idNamespace: 'slide-2' }).features.map((f) => f.id);
  assert.notEqual(other[0], a[0]);
  const shifted = toGeoJson(measureNuclei(LABELS, { offset: { x: 512, y: 0 } })).features.map((f) => f.id);
  assert.notEqual(shifted[0], a[0], 'the same label in another tile is another nucleus');
  const bare = toGeoJson(instances, { classification: null }).features[0];
  assert.equal('classification' in bare.properties, false);
  const tumour = toGeoJson(instances, { classification: { name: 'Tumor', color: [200, 0, 0] } }).features[0];
  assert.deepEqual(tumour.properties.classification, { name: 'Tumor', color: [200, 0, 0] });
  assert.deepEqual(toGeoJson([]), { type: 'FeatureCollection', features: [] });
});

test('CSV: fixed header, one row per nucleus, empty cells for figures not measured', () => {
  const csv = toCsv(measureNuclei(LABELS));
  const lines = csv.split('\n');
  assert.equal(
    lines[0],
    'id,centroid_x,centroid_y,bbox_x,bbox_y,bbox_width,bbox_height,area_px,area_um2,perimeter_px,perimeter_um,' +
      'equivalent_diameter_px,equivalent_diameter_um,eccentricity,orientation_rad,solidity,mean_r,mean_g,mean_b,mean_hematoxylin_od',
  );
  assert.equal(lines.length, 4, 'header, two rows, trailing newline');
  assert.equal(lines[3], '');
  const header = lines[0].split(',');
  const row = Object.fromEntries(lines[1].split(',').map((v, i) => [header[i], v]));
  assert.equal(row['id'], '1');
  assert.equal(row['centroid_x'], '2.5');
  assert.equal(row['bbox_width'], '3');
  assert.equal(row['area_px'], '9');
  assert.equal(row['area_um2'], '');
  assert.equal(row['perimeter_px'], '8');
  assert.equal(row['equivalent_diameter_px'], String(Math.round(Math.sqrt(36 / Math.PI) * 1e6) / 1e6));
  assert.equal(row['mean_hematoxylin_od'], '');
  assert.equal(lines[2].split(',')[0], '2');
  assert.equal(toCsv([]), lines[0] + '\n');
  const withMpp = toCsv(measureNuclei(LABELS, { micronsPerPixel: 0.5 })).split('\n')[0];
  assert.equal(withMpp, lines[0], 'the columns do not depend on the options');
});
