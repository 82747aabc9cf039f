import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PARAMS,
  InvalidArgumentError,
  PAPER_PARAMS,
  countLabels,
  loadModel,
  postprocessParamsForModel,
  segment,
  type UsenetModel,
} from '@nucleilens/pipeline';
import { TINY_ONNX, syntheticHe } from './tiny-model.js';

const model = (): Promise<UsenetModel> => loadModel(TINY_ONNX, { executionProvider: 'cpu', threads: 1 });

test("post-processing parameters come from the model card, then the caller's overrides", async () => {
  const m = await model();
  // The fixture card says: recipe default, mask and marker thresholds 0.5, areas open.
  assert.deepEqual(postprocessParamsForModel(m.card), { ...DEFAULT_PARAMS, maskThreshold: 0.5, markerThreshold: 0.5 });
  assert.deepEqual(postprocessParamsForModel(m.card, 'paper', { maskThreshold: 0.2, markerThreshold: undefined }), {
    ...PAPER_PARAMS,
    maskThreshold: 0.2,
    markerThreshold: 0.5,
  });
  assert.throws(() => postprocessParamsForModel(m.card, 'fancy'), InvalidArgumentError);
  assert.throws(() => postprocessParamsForModel(m.card, undefined, { maskThreshold: 1.5 }), InvalidArgumentError);
});

test('segment: normalize, predict, post-process, measure on one image', async () => {
  const m = await model();
  const img = syntheticHe(160, 120, 4);
  const r = await segment(m, img, { tile: 64, halo: 32, micronsPerPixel: 0.25 });
  assert.deepEqual([r.labels.width, r.labels.height, r.mask.width, r.marker.height], [160, 120, 160, 120]);
  assert.ok(r.labels.data instanceof Int32Array);
  const n = countLabels(r.labels);
  assert.ok(n > 5, `expected nuclei, got ${n}`);
  assert.equal(r.nuclei.length, n);
  assert.ok(r.nuclei.every((x) => x.areaUm2 !== undefined && x.outline.length >= 4));
  assert.equal(r.stain?.method, 'vahadane');
  assert.equal(r.tiles, 6);
  assert.equal(r.params.maskThreshold, 0.5);
  const unmeasured = await segment(m, img, { tile: 64, halo: 32, measure: false });
  assert.deepEqual(unmeasured.nuclei, []);
  assert.deepEqual(unmeasured.labels.data, r.labels.data);
});
