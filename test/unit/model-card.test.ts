import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelError, NotFoundError, listModels, parseModelCard, readModelCard, resolveModel } from '@nucleilens/pipeline';
import { TINY_CARD, TINY_ONNX } from './tiny-model.js';

async function tinyCardJson(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(TINY_CARD, 'utf8')) as Record<string, unknown>;
}

test('the fixture card (export.py format) reads as a typed card', async () => {
  const card = await readModelCard(TINY_CARD);
  assert.equal(card.name, 'tiny-usenet');
  assert.equal(card.file, 'tiny-usenet.onnx');
  assert.deepEqual(card.input, { name: 'image', sideMultiple: 32 });
  assert.deepEqual(card.outputs, { name: 'probs', maskChannel: 0, markerChannel: 1 });
  assert.equal(card.tile, 512);
  assert.equal(card.halo, 64);
  assert.equal(card.mppExpected, 0.25);
  assert.equal(card.thresholds.mask, 0.5);
  assert.equal(card.thresholds.minMaskArea, null);
  assert.ok('training' in card.extra && 'verification' in card.extra);
});

test('malformed cards are ModelErrors that name the field', async () => {
  const good = await tinyCardJson();
  const cases: [string, unknown, RegExp][] = [
    ['not an object', [1, 2], /\(root\)/],
    ['missing input', { ...good, input: undefined }, /"input"/],
    ['tile not a multiple of 32', { ...good, tile: 500 }, /"tile".*multiple of 32/],
    ['negative halo', { ...good, halo: -32 }, /"halo"/],
    ['threshold above 1', { ...good, thresholds: { mask: 2 } }, /thresholds\.mask/],
    ['same channel twice', { ...good, outputs: { name: 'probs', channels: [{ index: 0, name: 'mask' }, { index: 0, name: 'marker' }] } }, /outputs\.channels/],
    ['empty name', { ...good, name: '' }, /"name"/],
  ];
  for (const [what, json, pattern] of cases) {
    assert.throws(() => parseModelCard(json, 'card.json'), (err: unknown) => err instanceof ModelError && pattern.test(err.message), what);
  }
});

test('a card file that is not JSON is a ModelError; a missing one NotFoundError', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nl-card-'));
  await writeFile(join(dir, 'broken.json'), '{ "name": ');
  await assert.rejects(readModelCard(join(dir, 'broken.json')), ModelError);
  await assert.rejects(readModelCard(join(dir, 'absent.json')), NotFoundError);
});

test('resolveModel: card path, onnx path (card beside it), and names in model folders', async () => {
  const byOnnx = await resolveModel(TINY_ONNX);
  assert.equal(byOnnx.cardPath, TINY_CARD);
  assert.equal(byOnnx.card.name, 'tiny-usenet');
  const byCard = await resolveModel(TINY_CARD);
  assert.equal(byCard.onnxPath, TINY_ONNX);

  const dir = await mkdtemp(join(tmpdir(), 'nl-models-'));
  const card = await tinyCardJson();
  // models/default.json is a card whose `file` points at the shipped ONNX.
  await writeFile(join(dir, 'default.json'), JSON.stringify({ ...card, file: TINY_ONNX }));
  await writeFile(join(dir, 'default.check.json'), '{}');
  const byName = await resolveModel('default', [dir]);
  assert.equal(byName.onnxPath, TINY_ONNX);
  assert.deepEqual((await listModels([dir])).map((m) => m.name), ['default']);
  await assert.rejects(resolveModel('nope', [dir]), (err: unknown) => err instanceof NotFoundError && /available: default/.test(err.message));
  await writeFile(join(dir, 'dangling.json'), JSON.stringify({ ...card, file: 'missing.onnx' }));
  await assert.rejects(resolveModel('dangling', [dir]), NotFoundError);
});
