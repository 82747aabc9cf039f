/** kernel-ext's stages on small synthetic rasters: post-process, measure, evaluate, crop, tune. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import {
  Picture,
  Probabilities,
  crop,
  evaluate,
  measure,
  organOf,
  paramsQuery,
  postprocess,
  resolveChoice,
  tune,
  tunerWorkerSource,
  type TunerReply,
  type TunerRequest,
} from '@nucleilens/kernel-ext';
import { DEFAULT_PARAMS, InvalidArgumentError, PAPER_PARAMS } from '@nucleilens/pipeline';

const W = 40;
const H = 24;

/** Two separate 8x8 squares of high mask and marker probability. */
async function twoBlobs(): Promise<Probabilities> {
  const mask = new Uint8Array(W * H);
  const marker = new Uint8Array(W * H);
  for (const [x0, y0] of [[4, 4], [24, 10]]) {
    for (let y = y0; y < y0 + 8; y++) {
      for (let x = x0; x < x0 + 8; x++) {
        mask[y * W + x] = 230;
        if (x > x0 && x < x0 + 7 && y > y0 && y < y0 + 7) marker[y * W + x] = 230;
      }
    }
  }
  const picture = await Picture.create({ width: W, height: H, data: new Uint8Array(W * H * 3).fill(200) }, { name: 'synthetic', mpp: 0.5, origin: { x: 100, y: 50 } });
  return Probabilities.create({ width: W, height: H, data: mask }, { width: W, height: H, data: marker }, { source: 'test', picture, defaults: { ...DEFAULT_PARAMS, minNucleusArea: 10, minMarkerArea: 5, dilateRadius: 0 } });
}

test('postprocess → measure → evaluate on two synthetic nuclei', async () => {
  const probs = await twoBlobs();
  assert.equal(typeof probs.mimeBundle()['image/png'], 'string');
  const seg = await postprocess(probs);
  assert.equal(seg.count, 2);
  assert.equal(seg.info.params?.minNucleusArea, 10);
  assert.equal(typeof seg.mimeBundle()['image/png'], 'string');
  assert.match(seg.summary(), /^prediction: 2 nuclei on synthetic \(recipe default, mask > 0.1, marker > 0.1\) postprocess/);
  const m = await measure(seg);
  assert.deepEqual(m.values('area'), [64, 64]);
  assert.deepEqual(m.values('areaUm2'), [16, 16]);
  // geometry in slide px: the picture's origin is (100, 50)
  assert.deepEqual(m.nuclei.map((n) => n.centroid), [{ x: 108, y: 58 }, { x: 128, y: 64 }]);
  assert.match(String(m.mimeBundle()['text/html']), /2 nuclei measured/);
  const self = await evaluate(seg, seg.labels);
  assert.equal(self.scores.aji, 1);
  const none = await postprocess(probs, { maskThreshold: 0.95 });
  assert.equal(none.count, 0);
});

test('naming another recipe starts from that recipe’s defaults', async () => {
  const probs = await twoBlobs();
  assert.equal(resolveChoice(probs).minNucleusArea, 10);
  assert.deepEqual(resolveChoice(probs, { recipe: 'paper' }), PAPER_PARAMS);
  assert.equal(resolveChoice(probs, { recipe: 'paper', maskThreshold: 0.3 }).maskThreshold, 0.3);
  await assert.rejects(postprocess(probs, { maskThreshold: 2 }), InvalidArgumentError);
});

test('crop keeps the slide position and both maps', async () => {
  const probs = await twoBlobs();
  const part = await crop(probs, { x: 20, y: 8, width: 16, height: 12 });
  assert.deepEqual([part.width, part.height, part.info.picture?.info.origin], [16, 12, { x: 120, y: 58 }]);
  assert.equal((await postprocess(part)).count, 1);
  await assert.rejects(crop(probs, { x: 30, y: 0, width: 16, height: 4 }), /not inside 40x24/);
});

test('the tuner widget carries its maps, sliders and the bundled worker', async () => {
  const probs = await twoBlobs();
  const widget = await tune(probs, { maskThreshold: 0.4 }, 'ref');
  const html = String(widget.mimeBundle()['text/html']);
  assert.match(html, /<input type="range" name="maskThreshold"[^>]*value="0.4"/);
  assert.match(html, /copy parameters as code/);
  assert.match(html, /"probsName":"ref"/);
  assert.ok(html.includes(JSON.stringify(tunerWorkerSource()).slice(1, 200)));
  assert.doesNotMatch(html.slice(0, -20), /<\/script>.*<\/script>/s);
});

test('the bundled worker post-processes in a browser-like global with no Node built-ins', async () => {
  const src = tunerWorkerSource();
  assert.doesNotMatch(src, /require\(["']node:/);
  const sandbox: { NucleiLensTuner?: { handle(r: TunerRequest): TunerReply | undefined } } = {};
  runInNewContext(src, Object.assign(sandbox, { performance, Uint8Array, Int32Array, Uint8ClampedArray, Float32Array }));
  const probs = await twoBlobs();
  const handle = sandbox.NucleiLensTuner?.handle;
  assert.ok(handle);
  const pic = probs.info.picture?.rgb;
  assert.ok(pic);
  assert.equal(handle({ type: 'init', width: W, height: H, mask: probs.mask.data as Uint8Array, marker: probs.marker.data as Uint8Array, rgb: pic.data }), undefined);
  const reply = handle({ type: 'run', seq: 1, params: resolveChoice(probs) });
  assert.equal(reply?.type, 'result');
  if (reply?.type === 'result') {
    assert.equal(reply.count, 2);
    assert.equal(reply.rgba.length, 4 * W * H);
  }
  const bad = handle({ type: 'run', seq: 2, params: { ...resolveChoice(probs), maskThreshold: 7 } });
  assert.equal(bad?.type, 'error');
  if (bad?.type === 'error') assert.match(bad.message, /maskThreshold must be a number in \[0, 1\]/);
});

test('server query names and organ codes', () => {
  assert.equal(paramsQuery({ recipe: 'paper', maskThreshold: 0.3, minNucleusArea: 40, maxHoleArea: 9, dilateRadius: 2 }), 'recipe=paper&maskThreshold=0.3&minArea=40&maxHole=9');
  assert.equal(organOf('TCGA-IZ-8196-01A-01-BS1'), 'Kidney');
  assert.equal(organOf('TCGA-HT-8564-01Z-00-DX1'), 'Brain');
  assert.equal(organOf('elsewhere'), 'unknown');
});
