/**
 * The compute grid's geometry and ownership rule, tissue tiles, request parsing and the
 * overlay renderer, on small inline inputs with exact expectations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, OutOfBoundsError, parseModelCard, type NucleusInstance } from '@nucleilens/pipeline';
// The browser-safe subpath a viewer bundles.
import { cellAt, cellOwns, cellsMeeting, computeGrid } from '@nucleilens/pipeline/grid';
import {
  RegionTooLargeError,
  detectTissue,
  postprocessFromQuery,
  regionFromQuery,
  renderOverlay,
  tissueCells,
} from '@nucleilens/server';

const grid = computeGrid(1000, 600, 512, 64);

test('computeGrid and cellAt: cores on a fixed grid, regions grown by the halo and clipped to the slide', () => {
  assert.deepEqual([grid.cols, grid.rows], [2, 2]);
  assert.deepEqual(cellAt(grid, 0, 0), { col: 0, row: 0, core: { x: 0, y: 0, width: 512, height: 512 }, region: { x: 0, y: 0, width: 576, height: 576 } });
  assert.deepEqual(cellAt(grid, 1, 1), { col: 1, row: 1, core: { x: 512, y: 512, width: 488, height: 88 }, region: { x: 448, y: 448, width: 552, height: 152 } });
  assert.throws(() => cellAt(grid, 2, 0), InvalidArgumentError);
});

test('cellsMeeting: the tiles whose core meets a rectangle, row-major', () => {
  assert.deepEqual(cellsMeeting(grid, { x: 500, y: 0, width: 20, height: 10 }).map((c) => [c.col, c.row]), [[0, 0], [1, 0]]);
  assert.deepEqual(cellsMeeting(grid, { x: 511, y: 511, width: 2, height: 2 }).map((c) => [c.col, c.row]), [[0, 0], [1, 0], [0, 1], [1, 1]]);
  assert.deepEqual(cellsMeeting(grid, { x: 512, y: 0, width: 1, height: 1 }).map((c) => [c.col, c.row]), [[1, 0]]);
  assert.deepEqual(cellsMeeting(grid, { x: 2000, y: 0, width: 10, height: 10 }), []);
});

function nucleus(cx: number, cy: number, bbox: [number, number, number, number]): Pick<NucleusInstance, 'centroid' | 'bbox'> {
  return { centroid: { x: cx, y: cy }, bbox: { x: bbox[0], y: bbox[1], width: bbox[2], height: bbox[3] } };
}

test('cellOwns: centroid in the core, not touching an inner halo edge', () => {
  const c00 = cellAt(grid, 0, 0);
  const c10 = cellAt(grid, 1, 0);
  // A nucleus across the seam at x = 512, centroid left of it: tile 0 owns it.
  const seam = nucleus(510.5, 100, [500, 90, 22, 20]);
  assert.equal(cellOwns(grid, c00, seam), true);
  assert.equal(cellOwns(grid, c10, seam), false);
  // Touching tile 0's region edge at x = 576 (inside the slide): cut, dropped even with its centroid in the core.
  assert.equal(cellOwns(grid, c00, nucleus(511, 100, [450, 90, 126, 20])), false);
  // At the slide border (x = 0, y = 0) touching the edge is fine.
  assert.equal(cellOwns(grid, c00, nucleus(3, 3, [0, 0, 6, 6])), true);
  // Tile (1, 0)'s region starts at x = 448 inside the slide: touching it drops the instance.
  assert.equal(cellOwns(grid, c10, nucleus(520, 50, [448, 40, 80, 20])), false);
  // Tile (1, 0)'s right edge is the slide's (x = 1000): allowed.
  assert.equal(cellOwns(grid, c10, nucleus(995, 50, [990, 40, 10, 20])), true);
});

test('detectTissue and tissueCells: OD norm above 0.15, tiles with enough tissue', () => {
  // 4x2 thumbnail at downsample 250 (1000x500 level-0): glass on the left, tissue on the right.
  const white = [250, 250, 250];
  const pink = [220, 150, 200];
  const px = [white, white, pink, pink, white, white, pink, white].flat();
  const mask = detectTissue({ width: 4, height: 2, data: Uint8Array.from(px) });
  assert.deepEqual([...mask.data], [0, 0, 1, 1, 0, 0, 1, 0]);
  const g = computeGrid(1000, 500, 500, 0);
  assert.deepEqual(tissueCells(g, { mask, downsample: 250 }).map((c) => [c.col, c.row]), [[1, 0]]);
});

test('regionFromQuery: integers, clipped, limits', () => {
  assert.deepEqual(regionFromQuery({ x: '10', y: '20', w: '100', h: '50' }, 1000, 600, 1e6), { x: 10, y: 20, width: 100, height: 50 });
  assert.deepEqual(regionFromQuery({ x: '900', y: '0', w: '500', h: '10' }, 1000, 600, 1e6), { x: 900, y: 0, width: 100, height: 10 });
  assert.throws(() => regionFromQuery({ x: '-1', y: '0', w: '5', h: '5' }, 1000, 600, 1e6), InvalidArgumentError);
  assert.throws(() => regionFromQuery({ x: '1.5', y: '0', w: '5', h: '5' }, 1000, 600, 1e6), InvalidArgumentError);
  assert.throws(() => regionFromQuery({ x: '0', y: '0', w: '0', h: '5' }, 1000, 600, 1e6), InvalidArgumentError);
  assert.throws(() => regionFromQuery({ x: '0', y: '0', w: '5' }, 1000, 600, 1e6), /h is required/);
  assert.throws(() => regionFromQuery({ x: '0', y: '0', w: '2000', h: '2000' }, 1000, 600, 1e6), RegionTooLargeError);
  assert.throws(() => regionFromQuery({ x: '1000', y: '0', w: '5', h: '5' }, 1000, 600, 1e6), OutOfBoundsError);
});

const card = parseModelCard(
  {
    name: 't',
    file: 't.onnx',
    arch: 'x',
    input: { name: 'image' },
    outputs: { name: 'probs' },
    thresholds: { mask: 0.4, marker: 0.6, recipe: 'default' },
  },
  'inline',
);

test('postprocessFromQuery: card defaults, API names and PostprocessParams names, validation', () => {
  const d = postprocessFromQuery({}, card);
  assert.deepEqual([d.params.recipe, d.params.maskThreshold, d.params.markerThreshold], ['default', 0.4, 0.6]);
  const a = postprocessFromQuery({ minArea: '30', maxHole: '5', maskThreshold: '0.3' }, card);
  const b = postprocessFromQuery({ minNucleusArea: '30', maxHoleArea: '5', maskThreshold: '0.30' }, card);
  assert.deepEqual(a, b);
  assert.deepEqual([a.params.minNucleusArea, a.params.maxHoleArea, a.params.maskThreshold], [30, 5, 0.3]);
  assert.notEqual(a.key, d.key);
  assert.equal(postprocessFromQuery({ recipe: 'paper' }, card).params.recipe, 'paper');
  assert.throws(() => postprocessFromQuery({ maskThreshold: 'x' }, card), InvalidArgumentError);
  assert.throws(() => postprocessFromQuery({ maskThreshold: '1.5' }, card), InvalidArgumentError);
  assert.throws(() => postprocessFromQuery({ recipe: 'magic' }, card), InvalidArgumentError);
  assert.throws(() => postprocessFromQuery({ maskThreshold: ['0.1', '0.2'] }, card), /once/);
});

test('renderOverlay: fill and outline of a square, transparent elsewhere', () => {
  const square: NucleusInstance = {
    id: 1,
    area: 16,
    perimeter: 12,
    centroid: { x: 12, y: 12 },
    bbox: { x: 10, y: 10, width: 4, height: 4 },
    equivalentDiameter: 4.5,
    eccentricity: 0,
    orientation: 0,
    solidity: 1,
    outline: [
      [10, 10],
      [10, 14],
      [14, 14],
      [14, 10],
      [10, 10],
    ],
  };
  const region = { x: 8, y: 8, width: 8, height: 8 };
  const alpha = (rgba: Uint8Array): number[] => Array.from({ length: 64 }, (_, i) => (rgba[4 * i + 3] > 0 ? 1 : 0));
  const fill = alpha(renderOverlay([{ instance: square, id: 'a' }], region, 8, 8, { style: 'fill', color: 'instance' }));
  const outline = alpha(renderOverlay([{ instance: square, id: 'a' }], region, 8, 8, { style: 'outline', color: 'area' }));
  const at = (m: number[], x: number, y: number) => m[y * 8 + x];
  assert.equal(fill.reduce((s, v) => s + v, 0), 16);
  assert.equal(outline.reduce((s, v) => s + v, 0), 12);
  assert.deepEqual([at(fill, 2, 2), at(fill, 5, 5), at(fill, 1, 1), at(fill, 6, 6)], [1, 1, 0, 0]);
  assert.deepEqual([at(outline, 3, 3), at(outline, 2, 3)], [0, 1]);
  // Half resolution: the square covers 2x2 output pixels.
  const half = renderOverlay([{ instance: square, id: 'a' }], region, 4, 4, { style: 'fill', color: 'eccentricity' });
  assert.equal(Array.from({ length: 16 }, (_, i) => half[4 * i + 3]).filter((a) => a > 0).length, 4);
});
