/**
 * Reusing the paper recipe's marker stage (what a threshold slider keeps between steps) and
 * the owned-nuclei path the server and the viewer share: both must give exactly what the
 * plain pipeline gives. Synthetic maps always; the authors' reference maps when
 * ../shared/data/monuseg is present (skipped with a reason otherwise).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, readProbMapU8, type ProbMap, type ProbMapU8 } from '@nucleilens/pipeline';
import {
  PAPER_PARAMS,
  DEFAULT_PARAMS,
  computeMarkerCut,
  connectedComponents,
  markerCutKey,
  postprocess,
  removeSmallObjects,
  type PaperPostprocessParams,
  type PostprocessParams,
} from '@nucleilens/pipeline/post';
import { measureNuclei } from '@nucleilens/pipeline/measure';
import { cropPlane, thresholdProb } from '@nucleilens/pipeline/raster';
import { cellAt, cellOwns, computeGrid, ownedNuclei, type ComputeCell, type ComputeGrid } from '@nucleilens/pipeline/grid';
import { mulberry32 } from '@nucleilens/server';

const MONUSEG = fileURLToPath(new URL('../../../../shared/data/monuseg/', import.meta.url));

/**
 * Nucleus-like probability maps: random ellipses whose mask probability falls off towards
 * the rim and whose marker is the inner part, many of them touching.
 */
function syntheticMaps(width: number, height: number, seed: number): { mask: ProbMapU8; marker: ProbMapU8 } {
  const rand = mulberry32(seed);
  const mask = new Uint8Array(width * height);
  const marker = new Uint8Array(width * height);
  const count = Math.round((width * height) / 500);
  for (let k = 0; k < count; k++) {
    const cx = rand() * width;
    const cy = rand() * height;
    const a = 5 + rand() * 7;
    const b = 4 + rand() * 5;
    const angle = rand() * Math.PI;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    for (let y = Math.max(0, Math.floor(cy - a)); y < Math.min(height, Math.ceil(cy + a)); y++) {
      for (let x = Math.max(0, Math.floor(cx - a)); x < Math.min(width, Math.ceil(cx + a)); x++) {
        const u = ((x - cx) * cos + (y - cy) * sin) / a;
        const v = (-(x - cx) * sin + (y - cy) * cos) / b;
        const r = Math.sqrt(u * u + v * v);
        if (r >= 1) continue;
        const i = y * width + x;
        mask[i] = Math.max(mask[i], Math.round(255 * (1 - r * r * r)));
        marker[i] = Math.max(marker[i], Math.round(255 * Math.max(0, 1 - 2 * r)));
      }
    }
  }
  return { mask: { width, height, data: mask }, marker: { width, height, data: marker } };
}

function assertReuseMatches(mask: ProbMapU8, marker: ProbMapU8, base: PostprocessParams, maskThresholds: readonly number[]): void {
  const markerCut = computeMarkerCut(mask, marker, base);
  assert.ok(markerCut, 'the paper recipe has a marker stage');
  for (const maskThreshold of maskThresholds) {
    const params = { ...base, maskThreshold };
    assert.deepEqual(postprocess(mask, marker, params, { markerCut }).data, postprocess(mask, marker, params).data, `maskThreshold ${maskThreshold}`);
  }
}

/** What the server did before `ownedNuclei`: measure every instance, then apply the rule. */
function ownedTheLongWay(grid: ComputeGrid, cell: ComputeCell, mask: ProbMapU8, marker: ProbMapU8, params: PostprocessParams) {
  const all = measureNuclei(postprocess(mask, marker, params), { offset: { x: cell.region.x, y: cell.region.y }, micronsPerPixel: 0.25 });
  return all.filter((n) => cellOwns(grid, cell, n));
}

test('postprocess with a reused marker cut equals a fresh run, for every mask threshold', () => {
  const { mask, marker } = syntheticMaps(160, 120, 11);
  assertReuseMatches(mask, marker, PAPER_PARAMS, [0.05, 0.1, 0.3, 0.5, 0.8]);
  assertReuseMatches(mask, marker, { ...PAPER_PARAMS, elevation: 'inverted-mask', dilateRadius: 0 }, [0.2, 0.6]);
  assertReuseMatches(mask, marker, { ...PAPER_PARAMS, elevation: 'marker-distance' }, [0.2, 0.6]);
});

/**
 * The paper recipe without dilation the way the authors' script reads, one whole-image
 * pixel pass per step with the public stages: threshold, clear the cut lines, drop small
 * objects, fill small 8-connected background pieces (border or not), label 8-connected.
 * The recipe itself does steps 3 to 5 on runs; this is what it must equal.
 */
function paperStepByStep(mask: ProbMap, marker: ProbMap, params: PaperPostprocessParams): Int32Array {
  const cut = thresholdProb(mask, params.maskThreshold);
  const lines = computeMarkerCut(mask, marker, params)?.lines ?? [];
  for (const i of lines) cut.data[i] = 0;
  const cleaned = removeSmallObjects(cut, params.minNucleusArea, 8);
  const background = { ...cleaned, data: cleaned.data.map((v) => 1 - v) };
  const bigBackground = removeSmallObjects(background, params.maxHoleArea, 8);
  const filled = { ...cleaned, data: bigBackground.data.map((v) => 1 - v) };
  return connectedComponents(filled, 8).data;
}

test('paper recipe on runs equals the step-by-step pixel passes, for byte and float maps', () => {
  const { mask, marker } = syntheticMaps(150, 110, 21);
  const floatMask: ProbMap = { width: mask.width, height: mask.height, data: Float32Array.from(mask.data, (v) => v / 255) };
  const floatMarker: ProbMap = { width: mask.width, height: mask.height, data: Float32Array.from(marker.data, (v) => v / 255) };
  let objects = 0;
  for (const maskThreshold of [0.05, 0.2, 0.5, 0.9]) {
    // Big hole and object bounds make pieces at the border and between nuclei count.
    for (const [minNucleusArea, maxHoleArea] of [[50, 100], [0, 0], [200, 2000]]) {
      const params: PaperPostprocessParams = { ...PAPER_PARAMS, maskThreshold, minNucleusArea, maxHoleArea, dilateRadius: 0 };
      const expected = paperStepByStep(mask, marker, params);
      const what = `threshold ${maskThreshold}, objects >= ${minNucleusArea}, holes < ${maxHoleArea}`;
      assert.deepEqual(postprocess(mask, marker, params).data, expected, `bytes: ${what}`);
      // Float32(51 / 255) lies just above 0.2: float maps are compared with their own passes.
      assert.deepEqual(postprocess(floatMask, floatMarker, params).data, paperStepByStep(floatMask, floatMarker, params), `floats: ${what}`);
      objects += Math.max(...expected);
    }
  }
  assert.ok(objects > 100, `the maps hold objects at these thresholds (${objects})`);
});

test('a label buffer receives the paper recipe labels; a short one, or dilation, allocates', () => {
  const { mask, marker } = syntheticMaps(90, 70, 8);
  const params: PaperPostprocessParams = { ...PAPER_PARAMS, maskThreshold: 0.3, dilateRadius: 0 };
  const markerCut = computeMarkerCut(mask, marker, params);
  const fresh = postprocess(mask, marker, params);
  const labelBuffer = new Int32Array(90 * 70 + 17).fill(-5);
  for (const t of [0.3, 0.6, 0.3]) {
    const got = postprocess(mask, marker, { ...params, maskThreshold: t }, { markerCut, labelBuffer });
    assert.equal(got.data.buffer, labelBuffer.buffer, 'written into the buffer');
    assert.equal(got.data.length, 90 * 70);
    assert.deepEqual(got.data, postprocess(mask, marker, { ...params, maskThreshold: t }).data, `threshold ${t}: old contents never leak`);
  }
  assert.deepEqual(labelBuffer.subarray(0, 90 * 70), fresh.data);
  assert.equal(labelBuffer[90 * 70], -5, 'elements past width x height untouched');
  const short = new Int32Array(90 * 70 - 1);
  assert.notEqual(postprocess(mask, marker, params, { labelBuffer: short }).data.buffer, short.buffer);
  const grown = postprocess(mask, marker, PAPER_PARAMS, { labelBuffer });
  assert.notEqual(grown.data.buffer, labelBuffer.buffer);
  assert.deepEqual(grown.data, postprocess(mask, marker, PAPER_PARAMS).data);
});

test('marker cut keys: only mask-independent stages, and a stale cut is refused', () => {
  assert.equal(markerCutKey(PAPER_PARAMS), 'marker-complement|0.1|20');
  assert.equal(markerCutKey({ ...PAPER_PARAMS, maskThreshold: 0.7 }), markerCutKey(PAPER_PARAMS));
  assert.notEqual(markerCutKey({ ...PAPER_PARAMS, markerThreshold: 0.2 }), markerCutKey(PAPER_PARAMS));
  assert.equal(markerCutKey(DEFAULT_PARAMS), undefined);
  assert.equal(markerCutKey({ ...PAPER_PARAMS, elevation: 'mask-distance' }), undefined);
  const { mask, marker } = syntheticMaps(60, 40, 3);
  assert.equal(computeMarkerCut(mask, marker, DEFAULT_PARAMS), undefined);
  const markerCut = computeMarkerCut(mask, marker, PAPER_PARAMS);
  assert.throws(() => postprocess(mask, marker, { ...PAPER_PARAMS, markerThreshold: 0.3 }, { markerCut }), InvalidArgumentError);
  assert.throws(() => postprocess(mask, marker, { ...DEFAULT_PARAMS }, { markerCut }), InvalidArgumentError);
  const small = syntheticMaps(30, 40, 3);
  assert.throws(() => postprocess(small.mask, small.marker, PAPER_PARAMS, { markerCut }), /markerCut is 60x40, the maps are 30x40/);
  // No marker at all: nothing to cut, and reusing that is still the same result.
  const blank: ProbMapU8 = { width: 60, height: 40, data: new Uint8Array(2400) };
  const none = computeMarkerCut(mask, blank, PAPER_PARAMS);
  assert.equal(none?.lines, undefined);
  assert.deepEqual(postprocess(mask, blank, PAPER_PARAMS, { markerCut: none }).data, postprocess(mask, blank, PAPER_PARAMS).data);
});

test('ownedNuclei measures exactly the nuclei the ownership rule keeps, for inner and border tiles', () => {
  const { mask, marker } = syntheticMaps(300, 260, 5);
  const grid = computeGrid(300, 260, 128, 24);
  let total = 0;
  for (const [col, row] of [
    [0, 0],
    [1, 1],
    [2, 1],
  ] as const) {
    const cell = cellAt(grid, col, row);
    const { region } = cell;
    const m = cropPlane(mask, region.x, region.y, region.width, region.height);
    const k = cropPlane(marker, region.x, region.y, region.width, region.height);
    for (const params of [PAPER_PARAMS, { ...DEFAULT_PARAMS, dilateRadius: 0 }] as PostprocessParams[]) {
      const fast = ownedNuclei({ grid, cell, mask: m, marker: k, params, micronsPerPixel: 0.25 }).instances;
      assert.deepEqual(fast, ownedTheLongWay(grid, cell, m, k, params), `tile ${col}_${row}, ${params.recipe}`);
      total += fast.length;
    }
  }
  assert.ok(total > 40, `the synthetic tiles hold nuclei (${total})`);
  const cell = cellAt(grid, 1, 1);
  assert.throws(() => ownedNuclei({ grid, cell, mask, marker, params: PAPER_PARAMS }), /maps are 300x260, its region is/);
});

test('on the authors reference maps: reuse and ownedNuclei agree with the plain pipeline', async (t) => {
  if (!existsSync(MONUSEG)) {
    t.skip(`MoNuSeg reference maps not found at ${MONUSEG} (a fresh clone has no ../shared)`);
    return;
  }
  const stem = 'TCGA-2Z-A9J9-01A-01-TS1';
  const mask = await readProbMapU8(`${MONUSEG}reference/use-net/mask/${stem}.png`);
  const marker = await readProbMapU8(`${MONUSEG}reference/use-net/marker/${stem}.png`);
  assertReuseMatches(mask, marker, PAPER_PARAMS, [0.1, 0.4, 0.7]);
  const grid = computeGrid(mask.width, mask.height, 512, 64);
  const cell = cellAt(grid, 1, 1);
  const { region } = cell;
  const m = cropPlane(mask, region.x, region.y, region.width, region.height);
  const k = cropPlane(marker, region.x, region.y, region.width, region.height);
  const fast = ownedNuclei({ grid, cell, mask: m, marker: k, params: PAPER_PARAMS, micronsPerPixel: 0.25 }).instances;
  assert.ok(fast.length > 50);
  assert.deepEqual(fast, ownedTheLongWay(grid, cell, m, k, PAPER_PARAMS));
});
