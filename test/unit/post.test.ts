import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, ShapeError, type BinaryMask, type LabelImage } from '@nucleilens/pipeline';
import {
  DEFAULT_PARAMS,
  PAPER_PARAMS,
  connectedComponents,
  countComponents,
  dilateLabels,
  euclideanDistanceTransform,
  fillHoles,
  postprocess,
  removeSmallInstances,
  removeSmallObjects,
  resolvePostprocessParams,
  watershed,
  plateauWatershedLines,
  type PostprocessParams,
  type SeedRuns,
} from '@nucleilens/pipeline/post';

/** A mask from rows of '#' (foreground) and '.' (background). */
function maskOf(rows: string[]): BinaryMask {
  const width = rows[0].length;
  const data = Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0));
  return { width, height: rows.length, data };
}

function labelsOf(width: number, values: number[]): LabelImage {
  return { width, height: values.length / width, data: Int32Array.from(values) };
}

/** Two disks of radius r whose centres are d apart on one row, in a w x h image. */
function twoDisks(w: number, h: number, r: number, d: number): { mask: BinaryMask; c1: number; c2: number } {
  const cy = Math.floor(h / 2);
  const x1 = Math.floor((w - d) / 2);
  const x2 = x1 + d;
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const in1 = (x - x1) ** 2 + (y - cy) ** 2 <= r * r;
      const in2 = (x - x2) ** 2 + (y - cy) ** 2 <= r * r;
      data[y * w + x] = in1 || in2 ? 1 : 0;
    }
  }
  return { mask: { width: w, height: h, data }, c1: cy * w + x1, c2: cy * w + x2 };
}

test('connected components: a diagonal pair is one object with 8-connectivity, two with 4', () => {
  const diag = maskOf(['#..', '.#.', '..#']);
  const eight = connectedComponents(diag, 8);
  assert.ok(eight.data instanceof Int32Array);
  assert.deepEqual([...eight.data], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const four = connectedComponents(diag, 4);
  assert.deepEqual([...four.data], [1, 0, 0, 0, 2, 0, 0, 0, 3]);
  assert.equal(countComponents(diag, 4).count, 3);
  // numbered in raster order of each component's first pixel
  assert.deepEqual([...connectedComponents(maskOf(['.#', '#.', '..']), 4).data], [0, 1, 2, 0, 0, 0]);
  assert.throws(() => connectedComponents(diag, 6 as 4), InvalidArgumentError);
  assert.throws(() => connectedComponents({ width: 2, height: 2, data: new Uint8Array(3) }), ShapeError);
});

test('components never wrap from the right edge of a row to the left edge of the next', () => {
  const touching = maskOf(['....##', '##....', '......', '.....#', '......', '#.....']);
  for (const connectivity of [4, 8] as const) {
    assert.deepEqual(
      Array.from(connectedComponents(touching, connectivity).data),
      [0, 0, 0, 0, 1, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0],
      `connectivity ${connectivity}`,
    );
  }
  // The paper recipe labels on runs it merges and complements: the same edges must hold.
  const prob = { width: 6, height: 6, data: Uint8Array.from(touching.data, (v) => v * 255) };
  const blank = { width: 6, height: 6, data: new Uint8Array(36) };
  const labels = postprocess(prob, blank, { ...PAPER_PARAMS, minNucleusArea: 0, maxHoleArea: 0, dilateRadius: 0 });
  assert.deepEqual(labels.data, connectedComponents(touching, 8).data);
  // A one-pixel background piece at the right edge, next to foreground that starts the next row.
  const pocket = maskOf(['#####.', '######', '######']);
  const filled = postprocess({ ...prob, height: 3, data: Uint8Array.from(pocket.data, (v) => v * 255) }, { ...blank, height: 3, data: new Uint8Array(18) }, {
    ...PAPER_PARAMS,
    minNucleusArea: 0,
    maxHoleArea: 2,
    dilateRadius: 0,
  });
  assert.deepEqual(Array.from(filled.data), new Array(18).fill(1));
});

test('removeSmallObjects keeps objects of exactly minSize and drops smaller ones', () => {
  const m = maskOf(['##..#', '##..#', '.....', '#....']);
  assert.deepEqual([...removeSmallObjects(m, 2).data], [1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...removeSmallObjects(m, 3).data], [1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...removeSmallObjects(m, 0).data], [...m.data]);
  assert.throws(() => removeSmallObjects(m, -1), InvalidArgumentError);
  const lab = removeSmallInstances(labelsOf(4, [4, 7, 7, 0]), 2);
  assert.ok(lab.data instanceof Int32Array);
  assert.deepEqual([...lab.data], [0, 7, 7, 0]);
});

test('fillHoles fills a hole only below the size bound, and never background touching the border', () => {
  // a ring around a 2-pixel hole, and a bay open to the right border
  const m = maskOf([
    '#####...',
    '#..##.##',
    '#####.#.',
    '......##',
  ]);
  const kept = fillHoles(m, 2);
  assert.deepEqual([...kept.data], [...m.data], 'hole of area 2 is not below 2');
  const filled = fillHoles(m, 3);
  assert.equal(filled.data[1 * 8 + 1], 1);
  assert.equal(filled.data[1 * 8 + 2], 1);
  assert.equal(filled.data[2 * 8 + 7], 0, 'border background stays');
  assert.equal(fillHoles(m, Infinity).data[2 * 8 + 7], 0);
  assert.ok(filled.data instanceof Uint8Array);
  // 4-connected holes by default: the diagonal gap in this outline does not open the hole
  const diagonalGap = maskOf(['.#.', '#.#', '.#.']);
  assert.equal(fillHoles(diagonalGap, 10).data[4], 1);
  assert.equal(fillHoles(diagonalGap, 10, 8).data[4], 0);
});

test('euclideanDistanceTransform is exact on a tiny mask', () => {
  const m = maskOf(['.....', '.###.', '.###.', '.###.', '.....']);
  const d = euclideanDistanceTransform(m);
  assert.ok(d.data instanceof Float32Array);
  assert.deepEqual([...d.data], [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 2, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  // a single background corner: distances are true Euclidean (sqrt(dx² + dy²)), not chamfer
  const corner = euclideanDistanceTransform(maskOf(['.###', '####', '####']));
  const expect = [0, 1, 2, 3, 1, Math.SQRT2, Math.sqrt(5), Math.sqrt(10), 2, Math.sqrt(5), Math.sqrt(8), Math.sqrt(13)];
  expect.forEach((v, i) => assert.equal(corner.data[i], Math.fround(v), `pixel ${i}`));
  assert.deepEqual([...euclideanDistanceTransform(maskOf(['##'])).data], [Infinity, Infinity]);
});

test('watershed splits two touching disks into two basins, one per marker', () => {
  const { mask, c1, c2 } = twoDisks(40, 24, 8, 12);
  assert.equal(countComponents(mask, 8).count, 1, 'the disks touch');
  const dist = euclideanDistanceTransform(mask);
  for (let i = 0; i < dist.data.length; i++) dist.data[i] = -dist.data[i];
  const markers = new Int32Array(mask.data.length);
  markers[c1] = 1;
  markers[c2] = 2;
  const before = Float32Array.from(dist.data);
  const out = watershed(dist, { width: 40, height: 24, data: markers }, { mask });
  assert.ok(out.data instanceof Int32Array);
  assert.deepEqual(dist.data, before, 'input not mutated');
  // every pixel goes to the nearer centre; the column half-way between them is a tie,
  // which the first-queued marker (raster order: label 1) wins
  const xMid = (c1 % 40) + 6;
  for (let i = 0; i < out.data.length; i++) {
    assert.equal(out.data[i] !== 0, mask.data[i] !== 0, 'every mask pixel, and only those, is flooded');
    if (mask.data[i] === 0) continue;
    const x = i % 40;
    assert.equal(out.data[i], x <= xMid ? 1 : 2, `pixel ${x},${Math.floor(i / 40)}`);
  }
});

test('watershed lines, FIFO plateaus, masks and validation', () => {
  const ramp = { width: 5, height: 1, data: Float32Array.of(0, 1, 2, 1, 0) };
  const seeds = labelsOf(5, [1, 0, 0, 0, 2]);
  assert.deepEqual([...watershed(ramp, seeds, { watershedLine: true }).data], [1, 1, 0, 2, 2]);
  assert.deepEqual([...watershed(ramp, seeds).data], [1, 1, 1, 2, 2], 'the tie goes to the first-queued basin');
  // a flat uint8 plateau floods breadth-first: the boundary falls half-way
  const flat = { width: 7, height: 1, data: new Uint8Array(7) };
  assert.deepEqual([...watershed(flat, labelsOf(7, [1, 0, 0, 0, 0, 0, 2])).data], [1, 1, 1, 1, 2, 2, 2]);
  assert.deepEqual([...watershed(flat, labelsOf(7, [1, 0, 0, 0, 0, 0, 2]), { watershedLine: true }).data], [1, 1, 1, 0, 2, 2, 2]);
  // the same on a float map (binary heap) as on a uint8 map (bucket queue)
  const flatF = { width: 7, height: 1, data: new Float32Array(7) };
  assert.deepEqual([...watershed(flatF, labelsOf(7, [1, 0, 0, 0, 0, 0, 2])).data], [1, 1, 1, 1, 2, 2, 2]);
  // the mask stops the flood; unreachable pixels stay 0
  const masked = watershed(flat, labelsOf(7, [1, 0, 0, 0, 0, 0, 0]), { mask: maskOf(['###.###']) });
  assert.deepEqual([...masked.data], [1, 1, 1, 0, 0, 0, 0]);
  // a seed outside the mask seeds nothing, with or without lines
  const outside = labelsOf(7, [1, 0, 0, 2, 0, 0, 0]);
  assert.deepEqual([...watershed(flat, outside, { mask: maskOf(['###.###']) }).data], [1, 1, 1, 0, 0, 0, 0]);
  assert.deepEqual([...watershed(flat, outside, { mask: maskOf(['###.###']), watershedLine: true }).data], [1, 1, 1, 0, 0, 0, 0]);
  assert.throws(() => watershed(flat, labelsOf(7, [1, 0, 0, -3, 0, 0, 2])), /marker ids must be >= 0, found -3 at \(3, 0\)/);
  assert.throws(() => watershed(flat, labelsOf(6, [1, 0, 0, 0, 0, 2])), ShapeError);
  assert.throws(() => watershed(flatF, labelsOf(7, [1, 0, 0, 0, 0, 0, 2]), { connectivity: 3 as 4 }), InvalidArgumentError);
  const nan = { width: 2, height: 1, data: Float32Array.of(0, NaN) };
  assert.throws(() => watershed(nan, labelsOf(2, [1, 0])), InvalidArgumentError);
});

/** A label image's row runs of equal non-zero ids, in raster order (what plateauWatershedLines takes). */
function seedRuns(labels: Int32Array, width: number): SeedRuns {
  const start: number[] = [];
  const end: number[] = [];
  const label: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const id = labels[i];
    if (id === 0) continue;
    const sameRun = end.length > 0 && end[end.length - 1] === i && label[label.length - 1] === id && i % width !== 0;
    if (sameRun) end[end.length - 1] = i + 1;
    else {
      start.push(i);
      end.push(i + 1);
      label.push(id);
    }
  }
  return { runs: start.length, start: Int32Array.from(start), end: Int32Array.from(end), label: Int32Array.from(label) };
}

test('watershed on a two-level uint8 map (the paper recipe\'s ~marker) floods as the binary heap does', () => {
  // Seeds on level 0 and everything else on level 1 take a plain FIFO queue (8-connected with
  // lines, the paper recipe's cut, a flood of its own); seeds on two
  // levels, open pixels on several, or seeds above the open pixels take the bucket queue. The heap on the same values as float
  // is the reference for all of them.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const w = 23;
  const h = 17;
  for (let trial = 0; trial < 16; trial++) {
    const markers = new Int32Array(w * h);
    const level = new Uint8Array(w * h).fill(1);
    for (let i = 0; i < markers.length; i++) {
      if (rand() < 0.04) {
        markers[i] = 1 + Math.floor(rand() * 5);
        level[i] = 0;
      }
    }
    const kind = trial % 4;
    if (kind === 1) for (let i = 0; i < level.length; i++) if (markers[i] === 0) level[i] = 1 + Math.floor(rand() * 3);
    if (kind === 2) for (let i = 0; i < markers.length; i++) if (markers[i] > 0 && rand() < 0.5) level[i] = 1;
    if (kind === 3) for (let i = 0; i < markers.length; i++) level[i] = markers[i] > 0 ? 2 : 1;
    const u8 = { width: w, height: h, data: level };
    const f32 = { width: w, height: h, data: Float32Array.from(level) };
    const seeds = { width: w, height: h, data: markers };
    if (kind === 0) {
      // The paper recipe's cut straight from the flood: the line pixels of the full watershed.
      const full = watershed(u8, seeds, { connectivity: 8, watershedLine: true }).data;
      assert.deepEqual([...plateauWatershedLines(seedRuns(markers, w), w, h)], [...full.keys()].filter((i) => full[i] === 0), `trial ${trial}, lines only`);
    }
    // Every other trial floods inside a mask with holes, seeds outside it included.
    const mask = trial % 2 === 1 ? { width: w, height: h, data: Uint8Array.from(level, () => (rand() < 0.85 ? 1 : 0)) } : undefined;
    for (const connectivity of [4, 8] as const) {
      for (const watershedLine of [false, true]) {
        const opts = { connectivity, watershedLine, ...(mask && { mask }) };
        assert.deepEqual(
          [...watershed(u8, seeds, opts).data],
          [...watershed(f32, seeds, opts).data],
          `trial ${trial}, connectivity ${connectivity}, lines ${watershedLine}, mask ${mask !== undefined}`,
        );
      }
    }
  }
});

test('cut lines on a plane larger than the kept scratch, then on a small one, match the full watershed', () => {
  for (const [w, h] of [
    [2049, 2048],
    [31, 17],
  ]) {
    const markers = new Int32Array(w * h);
    for (const [x, y, id] of [
      [3, 2, 1],
      [w - 4, 5, 2],
      [Math.floor(w / 2), h - 3, 3],
      [Math.floor(w / 2) + 1, h - 3, 4],
    ]) {
      markers[y * w + x] = id;
    }
    const seeds = { width: w, height: h, data: markers };
    const level = Uint8Array.from(markers, (id) => (id > 0 ? 0 : 1));
    const full = watershed({ width: w, height: h, data: level }, seeds, { connectivity: 8, watershedLine: true }).data;
    const lines = plateauWatershedLines(seedRuns(markers, w), w, h);
    let zeros = 0;
    for (let i = 0; i < full.length; i++) if (full[i] === 0) zeros++;
    assert.equal(lines.length, zeros, `${w}x${h}: as many line pixels as the watershed's zeros`);
    assert.ok(lines.every((i) => full[i] === 0), `${w}x${h}: every line pixel is a zero of the watershed`);
  }
  const run = (start: number, end: number, label = 1) => ({ runs: 1, start: Int32Array.of(start), end: Int32Array.of(end), label: Int32Array.of(label) });
  assert.throws(() => plateauWatershedLines(run(3, 6), 4, 2), InvalidArgumentError, 'a run across a row end');
  assert.throws(() => plateauWatershedLines(run(0, 1, 0), 4, 2), InvalidArgumentError, 'id 0');
  assert.throws(() => plateauWatershedLines(run(7, 9), 4, 2), InvalidArgumentError, 'past the image');
});

test('dilateLabels grows into background only; ties go to the larger id', () => {
  const out = dilateLabels(labelsOf(5, [0, 3, 0, 5, 0]), 1);
  assert.ok(out.data instanceof Int32Array);
  assert.deepEqual([...out.data], [3, 3, 5, 5, 5]);
  // a labelled pixel keeps its label; 'max' is a grey-level dilation instead
  assert.deepEqual([...dilateLabels(labelsOf(4, [3, 3, 5, 5]), 1).data], [3, 3, 5, 5]);
  assert.deepEqual([...dilateLabels(labelsOf(4, [3, 3, 5, 5]), 1, { overlap: 'max' }).data], [3, 5, 5, 5]);
  // radius 1 is the 4-neighbour cross; the nearest label wins over a farther, larger one
  const cross = dilateLabels(labelsOf(3, [0, 0, 0, 0, 1, 0, 0, 0, 0]), 1);
  assert.deepEqual([...cross.data], [0, 1, 0, 1, 1, 1, 0, 1, 0]);
  assert.deepEqual([...dilateLabels(labelsOf(6, [2, 0, 0, 0, 9, 0]), 3).data], [2, 2, 9, 9, 9, 9]);
  assert.throws(() => dilateLabels(labelsOf(2, [1, 0]), 1.5), InvalidArgumentError);
});

test('postprocess: both recipes split two touching nuclei with one marker each', () => {
  const { mask, c1, c2 } = twoDisks(48, 32, 9, 14);
  const w = mask.width;
  const maskProb = { width: w, height: mask.height, data: Uint8Array.from(mask.data, (v) => (v ? 230 : 5)) };
  const markerProb = { width: w, height: mask.height, data: new Uint8Array(mask.data.length) };
  for (const c of [c1, c2]) {
    const cx = c % w;
    const cy = Math.floor(c / w);
    for (let y = cy - 3; y <= cy + 3; y++) for (let x = cx - 3; x <= cx + 3; x++) markerProb.data[y * w + x] = 220;
  }
  for (const params of [PAPER_PARAMS, DEFAULT_PARAMS] as PostprocessParams[]) {
    const labels = postprocess(maskProb, markerProb, params);
    assert.ok(labels.data instanceof Int32Array, params.recipe);
    assert.equal(labels.width, w);
    assert.equal(countComponents(mask, 8).count, 1);
    assert.notEqual(labels.data[c1], 0, params.recipe);
    assert.notEqual(labels.data[c2], 0, params.recipe);
    assert.notEqual(labels.data[c1], labels.data[c2], `${params.recipe}: two instances`);
    assert.equal(new Set(labels.data).size, 3, `${params.recipe}: background + 2 ids`);
  }
  // a nucleus with no marker is kept whole by the default recipe
  const noMarker = postprocess(maskProb, { ...markerProb, data: new Uint8Array(mask.data.length) }, DEFAULT_PARAMS);
  assert.equal(new Set(noMarker.data).size, 2);
});

test('postprocess validates its parameters and shapes', () => {
  const p = { width: 2, height: 1, data: new Uint8Array(2) };
  assert.throws(() => postprocess(p, p, { ...DEFAULT_PARAMS, maskThreshold: 1.5 }), InvalidArgumentError);
  assert.throws(() => postprocess(p, p, { ...PAPER_PARAMS, markerThreshold: -0.1 }), InvalidArgumentError);
  assert.throws(() => postprocess(p, p, { ...DEFAULT_PARAMS, minNucleusArea: -1 }), InvalidArgumentError);
  assert.throws(() => postprocess(p, p, { ...DEFAULT_PARAMS, dilateRadius: 0.5 }), InvalidArgumentError);
  assert.throws(() => postprocess(p, p, { ...DEFAULT_PARAMS, recipe: 'magic' } as unknown as PostprocessParams), InvalidArgumentError);
  assert.throws(() => postprocess(p, { width: 1, height: 2, data: new Uint8Array(2) }, DEFAULT_PARAMS), ShapeError);
  assert.throws(() => resolvePostprocessParams('magic'), InvalidArgumentError);
  const r = resolvePostprocessParams('paper', { maskThreshold: 0.3, minMarkerArea: undefined });
  assert.equal(r.recipe, 'paper');
  assert.equal(r.maskThreshold, 0.3);
  assert.equal(r.minMarkerArea, PAPER_PARAMS.minMarkerArea);
  assert.ok(Object.isFrozen(DEFAULT_PARAMS) && Object.isFrozen(PAPER_PARAMS));
  const empty = postprocess(p, p, DEFAULT_PARAMS);
  assert.deepEqual([...empty.data], [0, 0]);
});

test('paper recipe: where grown objects meet, the later one in MATLAB bwlabel (column-major) order wins', () => {
  // A (row 1, x 2..4) comes first in raster order, B (row 3, x 0..2) first in column order;
  // both grow into pixel (2, 2). The authors' loop dilates label after label in bwlabel order,
  // each overwriting the earlier: A, the later one there, keeps the pixel.
  const rows = ['......', '..###.', '......', '###...', '......'];
  const mask = { width: 6, height: 5, data: Uint8Array.from(rows.join(''), (c) => (c === '#' ? 255 : 0)) };
  const marker = { width: 6, height: 5, data: new Uint8Array(30) };
  const params: PostprocessParams = { ...PAPER_PARAMS, minNucleusArea: 0, minMarkerArea: 0, maxHoleArea: 0, dilateRadius: 1 };
  const labels = postprocess(mask, marker, params).data;
  const a = labels[1 * 6 + 3];
  const b = labels[3 * 6 + 1];
  assert.deepEqual([a, b], [1, 2], 'ids stay in raster order');
  assert.equal(labels[2 * 6 + 2], a);
  assert.equal(labels[2 * 6 + 1], b, 'an uncontested pixel goes to its only neighbour');
});
