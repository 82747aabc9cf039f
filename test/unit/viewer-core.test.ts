import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PARAMS, PAPER_PARAMS, computeMarkerCut, postprocess, type MarkerCut } from '@nucleilens/pipeline/post';
import { measureNuclei, toGeoJson } from '@nucleilens/pipeline/measure';
import type { ProbMapU8 } from '@nucleilens/pipeline/raster';
import { cellAt, computeGrid, rectsMeet } from '@nucleilens/pipeline/grid';
import {
  SpatialIndex,
  instanceBucket,
  measurementDomain,
  modelDefaultParams,
  paramsFromQuery,
  paramsKey,
  paramsToQuery,
  queryHasParams,
  rampBucket,
  rampColor,
  packNuclei,
  recordFromFeature,
  recordHolds,
  recordsFromPacked,
  snapRect,
  cellKey,
  parseCellKey,
  splitProbPixels,
  previewWindow,
  tileNuclei,
  figuresShowing,
  ALL_FIGURES,
  withField,
  sliderStep,
  cutAheadParams,
  takeCut,
  hasCut,
  shelveCut,
  CUTS_KEPT,
  TUNABLE_SLIDERS,
  INSTANCE_HUES,
  RAMP_BUCKETS,
  type NucleusFeature,
  type ProbTile,
  type Rect,
} from '@nucleilens/viewer-plugin/core';

test('parseCellKey inverts cellKey and refuses anything else', () => {
  assert.deepEqual(parseCellKey(cellKey(3, 17)), { col: 3, row: 17 });
  for (const bad of ['3_', '_7', '3-7', '3_7_1', 'a_b', '-1_2', '']) assert.equal(parseCellKey(bad), undefined, bad);
});

test('snapRect rounds outwards and clips to the slide', () => {
  assert.deepEqual(snapRect({ x: -3.2, y: 10.5, width: 20.1, height: 5 }, 100, 100), { x: 0, y: 10, width: 17, height: 6 });
  assert.deepEqual(snapRect({ x: 95.5, y: 0, width: 10, height: 1 }, 100, 100), { x: 95, y: 0, width: 5, height: 1 });
});

test('parameters survive a query string and keep a stable key', () => {
  const p = withField(DEFAULT_PARAMS, 'maskThreshold', 0.35);
  const q = paramsToQuery(p);
  assert.equal(q.get('maskThreshold'), '0.35');
  assert.equal(q.get('recipe'), 'default');
  assert.equal(q.get('minNucleusArea'), String(DEFAULT_PARAMS.minNucleusArea));
  assert.deepEqual(paramsFromQuery(q), p);
  assert.equal(paramsKey(p), paramsKey({ ...p }));
  assert.notEqual(paramsKey(p), paramsKey(DEFAULT_PARAMS));
  // Absent or garbage numbers keep the defaults; an out-of-range one is refused.
  assert.deepEqual(paramsFromQuery(new URLSearchParams('maskThreshold=abc')), DEFAULT_PARAMS);
  assert.throws(() => paramsFromQuery(new URLSearchParams('maskThreshold=1.5')), /maskThreshold/);
  assert.deepEqual(paramsFromQuery(new URLSearchParams('recipe=paper')), PAPER_PARAMS);
  assert.equal(q.get('elevation'), DEFAULT_PARAMS.elevation, 'every field is sent, so server and preview agree');
  assert.equal(queryHasParams(new URLSearchParams('x=1&z=2')), false);
  assert.equal(queryHasParams(q), true);
  assert.deepEqual(modelDefaultParams({ postprocess: PAPER_PARAMS }), PAPER_PARAMS);
  assert.equal(modelDefaultParams({ postprocess: { ...PAPER_PARAMS, maskThreshold: 3 } }), undefined);
  assert.equal(modelDefaultParams(undefined), undefined);
});

function square(id: string, x: number, y: number, s: number, area = s * s): NucleusFeature {
  return {
    type: 'Feature',
    id,
    geometry: { type: 'Polygon', coordinates: [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]] },
    properties: { objectType: 'detection', measurements: { Area: area } },
  };
}

test('recordFromFeature takes the ring, box and centroid; recordHolds is the even-odd rule', () => {
  const r = recordFromFeature(square('a', 10, 20, 4));
  assert.deepEqual([r.minX, r.minY, r.maxX, r.maxY], [10, 20, 14, 24]);
  assert.deepEqual([r.cx, r.cy], [12, 22]);
  assert.equal(recordHolds(r, 12, 22), true);
  assert.equal(recordHolds(r, 14.5, 22), false);
  const withCentroid = recordFromFeature({
    ...square('b', 0, 0, 4),
    properties: { objectType: 'detection', measurements: { 'Centroid X px': 1.5, 'Centroid Y px': 2.5 } },
  });
  assert.deepEqual([withCentroid.cx, withCentroid.cy], [1.5, 2.5]);
  assert.throws(() => recordFromFeature({ ...square('c', 0, 0, 1), geometry: { type: 'Polygon', coordinates: [[[0, 0]]] } }), /no polygon ring/);
});

test('SpatialIndex finds the nucleus under a point, the smaller one where two overlap', () => {
  const big = recordFromFeature(square('big', 0, 0, 100));
  const small = recordFromFeature(square('small', 60, 60, 10));
  const far = recordFromFeature(square('far', 1000, 1000, 8));
  const index = new SpatialIndex([big, small, far]);
  assert.equal(index.at(5, 5)?.id, 'big');
  assert.equal(index.at(65, 65)?.id, 'small');
  assert.equal(index.at(1004, 1004)?.id, 'far');
  assert.equal(index.at(500, 500), undefined);
});

test('colour scales: viridis ends, buckets, instance hues, robust domain', () => {
  assert.equal(rampColor(0), '#3b518b');
  assert.equal(rampColor(1), '#fde725');
  assert.equal(rampColor(Number.NaN), '#3b518b');
  const domain = { min: 0, max: 10 };
  assert.equal(rampBucket(-5, domain), 0);
  assert.equal(rampBucket(10, domain), RAMP_BUCKETS - 1);
  assert.equal(rampBucket(undefined, domain), -1);
  const b = instanceBucket('3f2c');
  assert.ok(b >= 0 && b < INSTANCE_HUES);
  assert.equal(instanceBucket('3f2c'), b);
  const records = Array.from({ length: 101 }, (_, i) => recordFromFeature(square(String(i), i * 10, 0, 5, i)));
  assert.deepEqual(measurementDomain(records, 'Area'), { min: 2, max: 98 });
  assert.equal(measurementDomain(records, 'Eccentricity'), undefined);
});

test('splitProbPixels separates the mask (R), marker (G) and hematoxylin (B, 0.02 OD steps) channels', () => {
  const { mask, marker, hematoxylin } = splitProbPixels(Uint8Array.from([10, 20, 0, 255, 30, 40, 137, 255]), 2, 1, 4);
  assert.deepEqual([...mask.data], [10, 30]);
  assert.deepEqual([...marker.data], [20, 40]);
  assert.deepEqual([...hematoxylin.data], [0, Math.fround(2.74)]);
  assert.throws(() => splitProbPixels(new Uint8Array(7), 2, 1, 4), /expected 2x1x4 = 8 bytes, got 7/);
});

/** A slide-sized pair of probability maps with discs (mask radius 7, marker radius 3). */
function discSlide(w: number, h: number, centres: readonly (readonly [number, number])[]): { mask: ProbMapU8; marker: ProbMapU8 } {
  const mask = new Uint8Array(w * h);
  const marker = new Uint8Array(w * h);
  for (const [cx, cy] of centres) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d2 = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2;
        if (d2 <= 49) mask[y * w + x] = 230;
        if (d2 <= 9) marker[y * w + x] = 230;
      }
    }
  }
  return { mask: { width: w, height: h, data: mask }, marker: { width: w, height: h, data: marker } };
}

function crop(map: ProbMapU8, slideWidth: number, r: Rect): ProbMapU8 {
  const data = new Uint8Array(r.width * r.height);
  for (let y = 0; y < r.height; y++) data.set(map.data.subarray((r.y + y) * slideWidth + r.x, (r.y + y) * slideWidth + r.x + r.width), y * r.width);
  return { width: r.width, height: r.height, data };
}

test('tileNuclei: each nucleus is owned by exactly one compute tile, the one holding its centroid', () => {
  const W = 120;
  const H = 60;
  const grid = computeGrid(W, H, 60, 16);
  // One disc straddles the x = 60 tile border with its centre right of it; two sit inside tiles.
  const centres = [[20, 30], [62, 30], [100, 20]] as const;
  const slide = discSlide(W, H, centres);
  const params = { ...DEFAULT_PARAMS, minNucleusArea: 10, minMarkerArea: 5 };
  const ctx = { grid, mpp: 0.25, idNamespace: 'synthetic' };
  const features: NucleusFeature[] = [];
  const owners: string[] = [];
  for (const col of [0, 1]) {
    const { core, region } = cellAt(grid, col, 0);
    const t: ProbTile = { col, row: 0, core, region, mask: crop(slide.mask, W, region), marker: crop(slide.marker, W, region) };
    for (const f of toGeoJson(tileNuclei(t, params, ctx).instances, { idNamespace: ctx.idNamespace }).features) {
      features.push(f);
      owners.push(`${col}:${Math.round(f.properties.measurements['Centroid X px'])}`);
    }
  }
  assert.equal(features.length, 3);
  assert.deepEqual(owners.sort(), ['0:20', '1:100', '1:62']);
  // The whole-slide result has the same areas: tiling with a halo changes nothing.
  const whole = measureNuclei(postprocess(slide.mask, slide.marker, params)).map((n) => n.area).sort((a, b) => a - b);
  assert.deepEqual(features.map((f) => f.properties.measurements.Area).sort((a, b) => a - b), whole);
  assert.ok(features.every((f) => f.properties.measurements['Area µm^2'] === f.properties.measurements.Area * 0.0625));
});

test('a preview window (visible core plus halo) gives the same nuclei in view as the whole region', () => {
  const W = 200;
  const H = 120;
  const grid = computeGrid(W, H, 200, 24);
  const centres: [number, number][] = [];
  for (let y = 12; y < H; y += 20) for (let x = 12; x < W; x += 20) centres.push([x + (y % 40 === 12 ? 0 : 6), y]);
  const slide = discSlide(W, H, centres);
  const { core, region } = cellAt(grid, 0, 0);
  const tile: ProbTile = { col: 0, row: 0, core, region, mask: slide.mask, marker: slide.marker };
  const params = { ...DEFAULT_PARAMS, minNucleusArea: 10, minMarkerArea: 5 };
  const view = { x: 60, y: 30, width: 70, height: 50 };
  const window = previewWindow(tile, view, 24);
  assert.deepEqual(window, { x: 36, y: 6, width: 118, height: 98 });
  assert.equal(previewWindow(tile, { x: 500, y: 0, width: 10, height: 10 }, 24), undefined);
  const inView = (fs: NucleusFeature[]) =>
    fs
      .filter((f) => {
        const x = f.properties.measurements['Centroid X px'];
        const y = f.properties.measurements['Centroid Y px'];
        return x >= view.x && x < view.x + view.width && y >= view.y && y < view.y + view.height;
      })
      // Pixels, not outline vertices: Douglas-Peucker may break ties differently when the
      // raster's origin moves, by a sub-pixel vertex.
      .map((f) => {
        const m = f.properties.measurements;
        return JSON.stringify([m.Area, m['Centroid X px'], m['Centroid Y px'], m.Perimeter, m.Eccentricity]);
      })
      .sort();
  const full = inView(toGeoJson(tileNuclei(tile, params, { grid }).instances).features);
  assert.ok(full.length >= 6, `nuclei in view: ${full.length}`);
  const windowed = tileNuclei(tile, params, { grid }, window).instances;
  assert.deepEqual(inView(toGeoJson(windowed).features), full);
  // With the view given, nuclei drawn off screen are left out and nothing else changes.
  const visible = tileNuclei(tile, params, { grid }, window, { visible: view }).instances;
  const meets = windowed.filter((n) => rectsMeet(n.bbox, view));
  assert.ok(meets.length < windowed.length, `some owned nuclei lie off screen (${windowed.length - meets.length})`);
  assert.deepEqual(visible, meets);
});

test('a preview measures only the costly figures shown; everything else is as the server measures it', () => {
  assert.deepEqual(figuresShowing(['Area']), { perimeter: false, solidity: false, hematoxylin: false });
  assert.deepEqual(figuresShowing(['Perimeter µm', 'Solidity']), { perimeter: true, solidity: true, hematoxylin: false });
  assert.deepEqual(figuresShowing(['Eccentricity', 'Hematoxylin OD mean']), { perimeter: false, solidity: false, hematoxylin: true });
  const W = 120;
  const H = 80;
  const slide = discSlide(W, H, [[20, 20], [60, 30], [95, 55], [30, 60], [70, 62]]);
  const grid = computeGrid(W, H, 200, 24);
  const { core, region } = cellAt(grid, 0, 0);
  const h = new Float32Array(W * H);
  for (let i = 0; i < h.length; i++) h[i] = (i % 37) / 16;
  const tile: ProbTile = { col: 0, row: 0, core, region, mask: slide.mask, marker: slide.marker, hematoxylin: { width: W, height: H, data: h } };
  const params = { ...PAPER_PARAMS, minNucleusArea: 10, minMarkerArea: 5 };
  const ctx = { grid, mpp: 0.25, idNamespace: 'slide-a' };
  const all = tileNuclei(tile, params, ctx).instances;
  assert.ok(all.length >= 4, `nuclei: ${all.length}`);
  assert.deepEqual(tileNuclei(tile, params, ctx, undefined, { figures: ALL_FIGURES }).instances, all);
  const none = tileNuclei(tile, params, ctx, undefined, { figures: figuresShowing(['Area']) }).instances;
  const records = recordsFromPacked(packNuclei(none, 'slide-a'));
  const full = recordsFromPacked(packNuclei(all, 'slide-a'));
  assert.equal(records.length, full.length);
  records.forEach((r, k) => {
    const left = ['Perimeter', 'Perimeter µm', 'Solidity', 'Hematoxylin OD mean'];
    for (const name of left) assert.equal(name in r.measurements, false, `${name} left out`);
    const kept = Object.fromEntries(Object.entries(full[k].measurements).filter(([name]) => !left.includes(name)));
    assert.deepEqual({ id: r.id, ring: Array.from(r.ring), m: r.measurements }, { id: full[k].id, ring: Array.from(full[k].ring), m: kept });
  });
  const hematoxylinOnly = tileNuclei(tile, params, ctx, undefined, { figures: figuresShowing(['Hematoxylin OD mean']) }).instances;
  assert.deepEqual(
    hematoxylinOnly.map((n) => n.meanHematoxylin),
    all.map((n) => n.meanHematoxylin),
  );
});

test('tileNuclei refuses maps that do not cover the region', () => {
  const m: ProbMapU8 = { width: 4, height: 4, data: new Uint8Array(16) };
  const t: ProbTile = { col: 0, row: 0, core: { x: 0, y: 0, width: 4, height: 4 }, region: { x: 0, y: 0, width: 5, height: 4 }, mask: m, marker: m };
  assert.throws(() => tileNuclei(t, DEFAULT_PARAMS, { grid: computeGrid(5, 4, 4, 0) }), /maps are 4x4, region is 5x4/);
});

test('packed nuclei (what a tuning worker posts) give the same records as their GeoJSON features', () => {
  const W = 120;
  const H = 80;
  const slide = discSlide(W, H, [[20, 20], [60, 30], [95, 55], [30, 60]]);
  const params = { ...DEFAULT_PARAMS, minNucleusArea: 10, minMarkerArea: 5 };
  const instances = measureNuclei(postprocess(slide.mask, slide.marker, params), { micronsPerPixel: 0.5, offset: { x: 1000, y: 2000 } });
  assert.equal(instances.length, 4);
  const packed = packNuclei(instances, 'slide-a');
  const fromPacked = recordsFromPacked(structuredClone(packed));
  const fromFeatures = toGeoJson(instances, { idNamespace: 'slide-a' }).features.map(recordFromFeature);
  assert.equal(fromPacked.length, fromFeatures.length);
  fromPacked.forEach((r, k) => {
    const f = fromFeatures[k];
    assert.deepEqual(
      { id: r.id, ring: Array.from(r.ring), box: [r.minX, r.minY, r.maxX, r.maxY], c: [r.cx, r.cy], m: r.measurements },
      { id: f.id, ring: Array.from(f.ring), box: [f.minX, f.minY, f.maxX, f.maxY], c: [f.cx, f.cy], m: f.measurements },
    );
    assert.deepEqual(r.feature, f.feature);
  });
  assert.deepEqual(recordsFromPacked(packNuclei([], '')), []);
});

test('sliderStep moves by whole slider steps in decimals, within the range', () => {
  const marker = TUNABLE_SLIDERS.find((sl) => sl.field === 'markerThreshold')!;
  const area = TUNABLE_SLIDERS.find((sl) => sl.field === 'minMarkerArea')!;
  // 0.56 + 0.01 is 0.5700000000000001 in binary; the range input reports 0.57.
  assert.equal(sliderStep(marker, 0.56, 1), 0.57);
  assert.equal(sliderStep(marker, 0.1, -1), 0.09);
  assert.equal(sliderStep(marker, 0.2, 3), 0.23);
  assert.equal(sliderStep(marker, 0.99, 1), undefined);
  assert.equal(sliderStep(marker, 0, -1), undefined);
  assert.equal(sliderStep(area, 20, 1), 21);
  assert.equal(sliderStep(area, 0, -1), undefined);
});

test('cutAheadParams: after a one-step move of a marker slider, one more step the same way; nothing else', () => {
  const at = (markerThreshold: number, minMarkerArea = PAPER_PARAMS.minMarkerArea) => ({ ...PAPER_PARAMS, markerThreshold, minMarkerArea });
  assert.equal(cutAheadParams(at(0.2), at(0.21))?.markerThreshold, 0.22);
  assert.equal(cutAheadParams(at(0.57), at(0.56))?.markerThreshold, 0.55);
  assert.equal(cutAheadParams(at(0.3), at(0.21)), undefined, 'a jump: no guess');
  assert.equal(cutAheadParams(at(0.98), at(0.99)), undefined, 'the slider is at its end');
  const area = cutAheadParams(at(0.2, 23), at(0.2, 24));
  assert.deepEqual([area?.minMarkerArea, area?.markerThreshold], [25, 0.2]);
  // Nothing moved that the cut depends on, no earlier request, or a recipe with no cut to keep.
  assert.equal(cutAheadParams(at(0.2), { ...at(0.2), maskThreshold: 0.4 }), undefined);
  assert.equal(cutAheadParams(undefined, at(0.2)), undefined);
  assert.equal(cutAheadParams({ ...DEFAULT_PARAMS, markerThreshold: 0.2 }, { ...DEFAULT_PARAMS, markerThreshold: 0.21 }), undefined);
});

test('the cut shelf finds cuts by marker parameters, most recently used first, and keeps a few', () => {
  const cut = (t: number): MarkerCut => ({ key: `marker-complement|${t}|20`, width: 1, height: 1, lines: undefined });
  const params = (t: number) => ({ ...PAPER_PARAMS, markerThreshold: t, minMarkerArea: 20, elevation: 'marker-complement' as const });
  const shelf: MarkerCut[] = [];
  for (const t of [0.1, 0.2, 0.3]) shelveCut(shelf, cut(t));
  assert.deepEqual(shelf.map((c) => c.key), [cut(0.3).key, cut(0.2).key, cut(0.1).key]);
  assert.equal(takeCut(shelf, params(0.1))?.key, cut(0.1).key);
  assert.equal(shelf[0].key, cut(0.1).key, 'a cut taken is the most recently used');
  assert.equal(takeCut(shelf, params(0.4)), undefined);
  assert.equal(takeCut(shelf, { ...params(0.1), maskThreshold: 0.7 })?.key, cut(0.1).key, 'the mask threshold does not matter');
  assert.equal(takeCut(shelf, { ...params(0.1), minMarkerArea: 21 }), undefined);
  assert.ok(hasCut(shelf, params(0.2)) && !hasCut(shelf, params(0.25)));
  const again = cut(0.2);
  shelveCut(shelf, again);
  assert.equal(shelf.filter((c) => c.key === again.key).length, 1, 'a cut replaces the one with its key');
  for (const t of [0.5, 0.6, 0.7]) shelveCut(shelf, cut(t));
  assert.equal(shelf.length, CUTS_KEPT);
  assert.ok(!hasCut(shelf, params(0.1)), 'the least recently used is dropped');
});

test('a cut computed ahead gives the same nuclei as the step computed from scratch', () => {
  const W = 160;
  const H = 100;
  const grid = computeGrid(W, H, 160, 16);
  // Touching discs (12 px apart, radius 7) whose markers fall off from the centre, so each
  // marker threshold seeds, and cuts, differently.
  const mask = new Uint8Array(W * H);
  const marker = new Uint8Array(W * H);
  for (let cy = 8; cy < H; cy += 12) {
    for (let cx = 8 + (cy % 24 === 8 ? 0 : 5); cx < W; cx += 12) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
          if (d <= 7) mask[y * W + x] = 230;
          marker[y * W + x] = Math.max(marker[y * W + x], Math.round(255 * Math.max(0, 1 - d / 6)));
        }
      }
    }
  }
  const slide = { mask: { width: W, height: H, data: mask }, marker: { width: W, height: H, data: marker } };
  const { core, region } = cellAt(grid, 0, 0);
  const tile: ProbTile = { col: 0, row: 0, core, region, mask: slide.mask, marker: slide.marker };
  const before = { ...PAPER_PARAMS, markerThreshold: 0.5, minNucleusArea: 10, minMarkerArea: 5 };
  const step = { ...before, markerThreshold: 0.51 };
  const onward = computeMarkerCut(tile.mask, tile.marker, cutAheadParams(before, step)!)!;
  const next = { ...step, markerThreshold: 0.52 };
  const shelf: MarkerCut[] = [];
  shelveCut(shelf, onward);
  const ahead = tileNuclei(tile, next, { grid }, undefined, { markerCut: takeCut(shelf, next)! });
  const fresh = tileNuclei(tile, next, { grid });
  assert.ok(fresh.instances.length >= 20, `nuclei: ${fresh.instances.length}`);
  const linesAt = (t: number) => Array.from(computeMarkerCut(tile.mask, tile.marker, { ...next, markerThreshold: t })!.lines ?? []).join();
  assert.notEqual(linesAt(0.52), linesAt(0.8), 'the marker threshold moves the cut');
  assert.equal(ahead.markerCut, onward, 'the cut computed ahead was used');
  assert.deepEqual(ahead.instances, fresh.instances);
});
