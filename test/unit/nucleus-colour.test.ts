/** withColour gives the colour figures measureNuclei gives with the image, for a chosen subset. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STAIN_TARGET, measureNuclei, type LabelImage } from '@nucleilens/pipeline';
import { withColour } from '@nucleilens/server';

test('withColour: mean RGB and hematoxylin of the chosen nuclei equal measureNuclei with the image', () => {
  const width = 8;
  const height = 6;
  // Three nuclei; 2 is left out (as a nucleus another tile owns would be).
  const rows = ['11000000', '11002200', '00002200', '33300000', '33300000', '00000000'];
  const labels: LabelImage = { width, height, data: Int32Array.from(rows.join(''), (c) => Number(c)) };
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = 40 + ((i * 37) % 200);
  const image = { width, height, data };
  const stain = DEFAULT_STAIN_TARGET.vahadane;
  const full = measureNuclei(labels, { image, stain });
  const chosen = measureNuclei(labels).filter((n) => n.id !== 2);
  const coloured = withColour(chosen, labels, image, stain);
  assert.deepEqual(
    coloured.map((n) => [n.id, n.meanRgb, n.meanHematoxylin]),
    full.filter((n) => n.id !== 2).map((n) => [n.id, n.meanRgb, n.meanHematoxylin]),
  );
  assert.deepEqual(withColour([], labels, image, stain), []);
});
