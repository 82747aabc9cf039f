import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbortedError,
  DEFAULT_PARAMS,
  DEFAULT_STAIN_TARGET,
  InvalidArgumentError,
  ShapeError,
  evaluate,
  fitStain,
  loadModel,
  normalizeStain,
  planTileGrid,
  postprocess,
  predictImage,
  predictTile,
  predictTiles,
  reflectIndex,
  reflectWindow,
  type ProbMapF32,
  type UsenetModel,
} from '@nucleilens/pipeline';
import { TINY_ONNX, syntheticHe } from './tiny-model.js';

const model = (): Promise<UsenetModel> => loadModel(TINY_ONNX, { executionProvider: 'cpu', threads: 1 });

/** Largest |a - b| over pixels at least `margin` px from every image border. */
function interiorMaxDiff(a: ProbMapF32, b: ProbMapF32, margin: number): number {
  let worst = 0;
  for (let y = margin; y < a.height - margin; y++) {
    for (let x = margin; x < a.width - margin; x++) {
      const i = y * a.width + x;
      worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
    }
  }
  return worst;
}

test('reflectIndex mirrors without repeating the edge, as often as needed', () => {
  assert.deepEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflectIndex(i, 4)), [3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
  assert.deepEqual([-5, 0, 7].map((i) => reflectIndex(i, 1)), [0, 0, 0]);
  assert.deepEqual([-2, -1, 2, 3].map((i) => reflectIndex(i, 2)), [0, 1, 0, 1]);
});

test('reflectWindow pads a 2x1 image by mirroring', () => {
  const img = { width: 2, height: 1, data: new Uint8Array([10, 11, 12, 20, 21, 22]) };
  const win = reflectWindow(img, -1, 0, 4, 2);
  assert.deepEqual([...win.data], [20, 21, 22, 10, 11, 12, 20, 21, 22, 10, 11, 12, 20, 21, 22, 10, 11, 12, 20, 21, 22, 10, 11, 12]);
});

test('planTileGrid: a fixed grid from the origin, small images get one small tile', () => {
  const g = planTileGrid(1000, 600, 512, 64, 32);
  assert.deepEqual(g.cores, [
    { x: 0, y: 0, width: 512, height: 512 },
    { x: 512, y: 0, width: 488, height: 512 },
    { x: 0, y: 512, width: 512, height: 88 },
    { x: 512, y: 512, width: 488, height: 88 },
  ]);
  assert.equal(g.windowWidth, 640);
  const small = planTileGrid(10, 10, 512, 64, 32);
  assert.deepEqual([small.tileWidth, small.windowWidth, small.cores.length], [32, 160, 1]);
  assert.throws(() => planTileGrid(100, 100, 500, 64, 32), InvalidArgumentError);
  assert.throws(() => planTileGrid(100, 100, 512, 10, 32), InvalidArgumentError);
  assert.throws(() => planTileGrid(0, 100, 512, 64, 32), InvalidArgumentError);
});

test('predictTile: a 10x10 image is padded to 32x32 and cropped back', async () => {
  const m = await model();
  const { mask, marker } = await predictTile(m, syntheticHe(10, 10, 3));
  assert.deepEqual([mask.width, mask.height, marker.width, marker.height], [10, 10, 10, 10]);
  assert.ok(mask.data instanceof Float32Array && mask.data.every((p) => p >= 0 && p <= 1));
});

test('predictTiles: one batch gives the same maps as tile-by-tile runs', async () => {
  const m = await model();
  const tiles = [syntheticHe(64, 40, 1), syntheticHe(64, 40, 2), syntheticHe(64, 40, 3)];
  const batched = await predictTiles(m, tiles);
  for (const [k, t] of tiles.entries()) {
    const single = await predictTile(m, t);
    assert.ok(interiorMaxDiff(batched[k].mask, single.mask, 0) < 1e-5);
    assert.ok(interiorMaxDiff(batched[k].marker, single.marker, 0) < 1e-5);
  }
  await assert.rejects(predictTiles(m, [syntheticHe(32, 32), syntheticHe(64, 32)]), ShapeError);
});

// Tolerance: 1e-3 in probability on pixels at least 32 px from the image border. Inside
// that margin the whole-image run sees the convolutions' zero padding where the tiled run
// sees mirrored context, which is the point of the halo, so borders are not compared.
test('tiled inference equals whole-image inference away from the image border (|dp| < 1e-3)', async () => {
  const m = await model();
  const img = syntheticHe(300, 260, 7);
  const whole = await predictTile(m, img);
  for (const [tile, halo] of [
    [64, 32],
    [64, 64],
    [96, 64],
    [128, 64],
  ]) {
    const tiled = await predictImage(m, img, { tile, halo, stain: 'none' });
    const dMask = interiorMaxDiff(tiled.mask, whole.mask, 32);
    const dMarker = interiorMaxDiff(tiled.marker, whole.marker, 32);
    assert.ok(dMask < 1e-3 && dMarker < 1e-3, `tile ${tile} halo ${halo}: mask ${dMask}, marker ${dMarker}`);
  }
  // Without a halo the tile edges show: the comparison above is sensitive.
  const noHalo = await predictImage(m, img, { tile: 64, halo: 0, stain: 'none' });
  assert.ok(interiorMaxDiff(noHalo.mask, whole.mask, 32) > 0.01);
});

// Tolerance: at least 99.9 % of pixels keep their foreground status and the AJI between
// the two label images is at least 0.99 (measured: identical labels).
test('changing the tile size does not change the labels', async () => {
  const m = await model();
  const img = syntheticHe(300, 260, 11);
  const params = { ...DEFAULT_PARAMS, maskThreshold: 0.5, markerThreshold: 0.5, minNucleusArea: 10, minMarkerArea: 5 };
  const small = await predictImage(m, img, { tile: 64, halo: 64, stain: 'none' });
  const large = await predictImage(m, img, { tile: 256, halo: 64, stain: 'none' });
  const a = postprocess(small.mask, small.marker, params);
  const b = postprocess(large.mask, large.marker, params);
  let differ = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] > 0 !== b.data[i] > 0) differ++;
  const scores = evaluate(a, b);
  assert.ok(scores.nGt > 20, `expected nucleus-like blobs, got ${scores.nGt} instances`);
  assert.ok(differ / a.data.length <= 0.001, `${differ} pixels changed foreground status`);
  assert.ok(scores.aji >= 0.99, `AJI between tilings ${scores.aji}`);
});

test("stain: 'fit' normalizes like normalizeStain on the whole image; given params are used as is", async () => {
  const m = await model();
  const img = syntheticHe(200, 150, 5);
  const fitted = await predictImage(m, img, { tile: 64, halo: 32 });
  const params = fitStain(img);
  assert.deepEqual(fitted.stain, params);
  const normalized = normalizeStain(params, DEFAULT_STAIN_TARGET.vahadane, img);
  const reference = await predictImage(m, normalized, { tile: 64, halo: 32, stain: 'none' });
  assert.equal(interiorMaxDiff(fitted.mask, reference.mask, 0), 0);
  const given = await predictImage(m, img, { tile: 64, halo: 32, stain: params });
  assert.equal(interiorMaxDiff(given.mask, fitted.mask, 0), 0);
  assert.equal((await predictImage(m, img, { tile: 64, halo: 32, stain: 'none' })).stain, null);
});

test('AbortSignal is checked between batches; progress counts tiles', async () => {
  const m = await model();
  const img = syntheticHe(128, 128, 2);
  const seen: string[] = [];
  await predictImage(m, img, { tile: 64, halo: 32, batch: 3, stain: 'none', onProgress: (p) => seen.push(`${p.done}/${p.total}`) });
  assert.deepEqual(seen, ['3/4', '4/4']);
  await assert.rejects(predictImage(m, img, { stain: 'none', signal: AbortSignal.abort() }), AbortedError);
  const ctrl = new AbortController();
  let batches = 0;
  await assert.rejects(
    predictImage(m, img, { tile: 64, halo: 32, stain: 'none', signal: ctrl.signal, onProgress: () => (batches++, ctrl.abort()) }),
    AbortedError,
  );
  assert.equal(batches, 1);
  await assert.rejects(predictImage(m, img, { batch: 0 }), InvalidArgumentError);
});
