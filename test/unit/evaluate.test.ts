import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, ShapeError, type LabelImage } from '@nucleilens/pipeline';
import {
  aggregatedJaccardIndex,
  contingencyTable,
  evaluate,
  matchInstances,
  panopticQuality,
  pixelDice,
} from '@nucleilens/pipeline/evaluate';

/** Labels from rows of characters: '.' is background, a digit or letter is an id (a = 10...). */
function labelsOf(rows: string[]): LabelImage {
  const width = rows[0].length;
  const data = Int32Array.from(rows.join(''), (c) => (c === '.' ? 0 : parseInt(c, 36)));
  return { width, height: rows.length, data };
}

function shiftRight(l: LabelImage, dx: number): LabelImage {
  const data = new Int32Array(l.data.length);
  for (let y = 0; y < l.height; y++) {
    for (let x = 0; x + dx < l.width; x++) data[y * l.width + x + dx] = l.data[y * l.width + x];
  }
  return { width: l.width, height: l.height, data };
}

const GT = labelsOf([
  '1111..22..',
  '1111..22..',
  '1111......',
]);

test('AJI of a label image with itself is 1, and every other score too', () => {
  const s = evaluate(GT, GT);
  assert.deepEqual(s, { aji: 1, dice: 1, pq: 1, dq: 1, sq: 1, f1: 1, precision: 1, recall: 1, nGt: 2, nPred: 2 });
});

test('scores of a one-pixel-shifted copy, computed by hand', () => {
  // Shifted right by one pixel:
  //   nucleus 1 (4x3 = 12 px): intersection 3x3 = 9, union 12 + 12 - 9 = 15, IoU 0.6
  //   nucleus 2 (2x2 = 4 px):  intersection 1x2 = 2, union 4 + 4 - 2 = 6,   IoU 1/3
  // AJI = (9 + 2) / (15 + 6) = 11/21.   Dice = 2 x 11 / (16 + 16) = 0.6875.
  // At IoU > 0.5 only nucleus 1 matches: TP 1, FP 1, FN 1, so DQ = F1 = 1 / (1 + 0.5 + 0.5)
  // = 0.5, SQ = 0.6, PQ = 0.3, precision = recall = 0.5.
  const s = evaluate(GT, shiftRight(GT, 1));
  assert.equal(s.aji, 11 / 21);
  assert.equal(s.dice, 0.6875);
  assert.equal(s.dq, 0.5);
  assert.equal(s.f1, 0.5);
  assert.equal(s.sq, 0.6);
  assert.equal(s.pq, 0.5 * 0.6);
  assert.equal(s.precision, 0.5);
  assert.equal(s.recall, 0.5);
  assert.equal(s.nGt, 2);
  assert.equal(s.nPred, 2);
});

test('AJI v1.0: a prediction may match several nuclei; misses and unused predictions add to the union', () => {
  const gt = labelsOf(['1122..3...']);
  const pred = labelsOf(['7777....9.']);
  // gt 1 and gt 2 both pick prediction 7 (intersection 2, union 4 each); gt 3 overlaps
  // nothing (+1 to the union); prediction 9 is matched by none (+1): AJI = 4 / 10.
  const t = contingencyTable(gt, pred);
  assert.equal(aggregatedJaccardIndex(t), 0.4);
  // IoU 0.5 is not above 0.5: no match at all
  const pq = panopticQuality(t, matchInstances(t));
  assert.deepEqual([pq.tp, pq.fp, pq.fn, pq.pq, pq.precision, pq.recall], [0, 2, 3, 0, 0, 0]);
});

test('AJI ties on IoU go to the smaller prediction id (MATLAB max over unique ids)', () => {
  // gt 1 covers 8 px. Prediction 5 holds 2 of them (IoU 2/8); prediction 3 holds 3 of them
  // and 4 px outside (IoU 3/12). Equal IoU: prediction 3 wins, so C = 3 and U = 12 plus
  // prediction 5's 2 unused px: 3/14 (choosing 5 would give 2/15).
  const gt = labelsOf(['11111111.....']);
  const pred = labelsOf(['55333....3333']);
  assert.equal(aggregatedJaccardIndex(contingencyTable(gt, pred)), 3 / 14);
});

test('contingency table is sparse, ordered, and independent of how ids are numbered', () => {
  const pred = labelsOf(['.1112..33.', '.1112..33.', '.111......']);
  const t = contingencyTable(GT, pred);
  assert.deepEqual([...t.gtIds], [1, 2]);
  assert.deepEqual([...t.predIds], [1, 2, 3]);
  assert.deepEqual([...t.gtAreas], [12, 4]);
  assert.deepEqual([...t.predAreas], [9, 2, 4]);
  // prediction 2 touches no nucleus: only two pairs exist
  assert.deepEqual([...t.pairGt], [0, 1]);
  assert.deepEqual([...t.pairPred], [0, 2]);
  assert.deepEqual([...t.pairCount], [9, 2]);
  assert.deepEqual([...t.pairStart], [0, 1, 2]);
  assert.equal(pixelDice(t), (2 * 11) / (16 + 15));
  // huge, sparse ids (hashed tile ids) take the Map path and score the same
  const big = { ...pred, data: pred.data.map((v) => (v === 0 ? 0 : 2_000_000_000 - v * 7919)) };
  assert.deepEqual(evaluate(GT, big), evaluate(GT, pred));
});

test('empty images, shape and id validation', () => {
  const empty = labelsOf(['....']);
  assert.deepEqual(evaluate(empty, empty), { aji: 1, dice: 1, pq: 1, dq: 1, sq: 1, f1: 1, precision: 1, recall: 1, nGt: 0, nPred: 0 });
  const one = labelsOf(['.1..']);
  assert.deepEqual(evaluate(one, empty), { aji: 0, dice: 0, pq: 0, dq: 0, sq: 0, f1: 0, precision: 0, recall: 0, nGt: 1, nPred: 0 });
  assert.equal(evaluate(empty, one).aji, 0);
  assert.throws(() => evaluate(one, labelsOf(['.1.'])), ShapeError);
  assert.throws(() => evaluate(one, { width: 4, height: 1, data: Int32Array.of(0, -1, 0, 0) }), InvalidArgumentError);
});
