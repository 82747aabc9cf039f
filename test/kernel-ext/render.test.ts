/** kernel-ext's pictures: scale bar, colour map, label overlay, display shrinking. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  VIRIDIS,
  colourizeProbability,
  drawScaleBarInPlace,
  fitForDisplay,
  labelColour,
  overlayLabels,
  scaleBarMicrons,
  shrinkLabels,
  sideBySide,
} from '@nucleilens/kernel-ext';
import { ShapeError } from '@nucleilens/pipeline';

test('scale bar length is the round 1/2/5 x 10^k µm under a fifth of the width', () => {
  assert.equal(scaleBarMicrons(1000, 0.25), 50);
  assert.equal(scaleBarMicrons(500, 0.5), 50);
  assert.equal(scaleBarMicrons(1000, 1), 200);
  assert.equal(scaleBarMicrons(100, 0.25), 5);
  assert.throws(() => scaleBarMicrons(100, 0), /positive/);
});

test('scale bar is drawn white at the bottom left, as long as its µm need', () => {
  const img = { width: 400, height: 100, data: new Uint8Array(400 * 100 * 3).fill(128) };
  const um = drawScaleBarInPlace(img, 0.5); // a fifth of 400 px is 40 µm: a 20 µm bar, 40 px
  assert.equal(um, 20);
  const px = (x: number, y: number) => [...img.data.subarray(3 * (y * 400 + x), 3 * (y * 400 + x) + 3)];
  // margin 4, thickness 2: rows 94..95, columns 4..43 white; column 44 is the dark outline
  assert.deepEqual(px(4, 94), [255, 255, 255]);
  assert.deepEqual(px(43, 95), [255, 255, 255]);
  assert.deepEqual(px(44, 94), [0, 0, 0]);
  assert.deepEqual(px(200, 50), [128, 128, 128]);
});

test('viridis colour map: 0 is dark purple, 1 yellow, for uint8 and float maps alike', () => {
  const u8 = colourizeProbability({ width: 2, height: 1, data: Uint8Array.of(0, 255) });
  const f32 = colourizeProbability({ width: 2, height: 1, data: Float32Array.of(0, 1) });
  assert.deepEqual([...u8.data], [68, 1, 84, 253, 231, 37]);
  assert.deepEqual([...f32.data], [...u8.data]);
  assert.equal(VIRIDIS.length, 768);
});

test('overlay: outlines in the label colour, interior blended, background and input untouched', () => {
  const image = { width: 5, height: 5, data: new Uint8Array(75).fill(100) };
  const labels = { width: 5, height: 5, data: new Int32Array(25) };
  for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) labels.data[y * 5 + x] = 7;
  const out = overlayLabels(image, labels, { fillOpacity: 0.5 });
  const c = labelColour(7);
  const px = (x: number, y: number) => [...out.data.subarray(3 * (y * 5 + x), 3 * (y * 5 + x) + 3)];
  assert.deepEqual(px(1, 1), c);
  assert.deepEqual(px(2, 2), c.map((v) => Math.round(100 * 0.5 + v * 0.5)));
  assert.deepEqual(px(0, 0), [100, 100, 100]);
  assert.ok(image.data.every((v) => v === 100));
  assert.throws(() => overlayLabels(image, { width: 4, height: 5, data: new Int32Array(20) }), ShapeError);
});

test('display shrinking: box average by a whole factor, labels sampled not averaged', () => {
  const img = { width: 4, height: 2, data: Uint8Array.from({ length: 24 }, (_, i) => (Math.floor(i / 3) % 2 ? 200 : 0)) };
  const same = fitForDisplay(img, 4);
  assert.equal(same.factor, 1);
  assert.equal(same.image, img);
  const { image, factor } = fitForDisplay(img, 2);
  assert.equal(factor, 2);
  assert.deepEqual([image.width, image.height, ...image.data], [2, 1, 100, 100, 100, 100, 100, 100]);
  const labels = shrinkLabels({ width: 4, height: 2, data: Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8) }, 2);
  assert.deepEqual([labels.width, labels.height, ...labels.data], [2, 1, 1, 3]);
});

test('side by side: white gap, top-aligned', () => {
  const a = { width: 1, height: 2, data: new Uint8Array(6) };
  const b = { width: 1, height: 1, data: new Uint8Array(3).fill(9) };
  const out = sideBySide([a, b], 1);
  assert.deepEqual([out.width, out.height], [3, 2]);
  assert.deepEqual([...out.data], [0, 0, 0, 255, 255, 255, 9, 9, 9, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
});
