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
import { InvalidArgumentError, readProbMapU8, type ProbMapU8 } from '@nucleilens/pipeline';
import { PAPER_PARAMS, DEFAULT_PARAMS, computeMarkerCut, markerCutKey, postprocess, type PostprocessParams } from '@nucleilens/pipeline/post';
import { measureNuclei } from '@nucleilens/pipeline/measure';
import { cropPlane } from '@nucleilens/pipeline/raster';
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
