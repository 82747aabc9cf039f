import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, ShapeError, stainConcentrations, DEFAULT_STAIN_TARGET } from '@nucleilens/pipeline';
import type { LabelImage } from '@nucleilens/pipeline';
import { equalBins, measureNuclei, toGeoJson } from '@nucleilens/pipeline/measure';
import { PAPER_PARAMS, postprocessWithRuns } from '@nucleilens/pipeline/post';

/** A label image from rows of characters: '.' is background, a digit is that label. */
function labelsFrom(rows: string[]): LabelImage {
  const height = rows.length;
  const width = rows[0].length;
  const data = new Int32Array(width * height);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) data[y * width + x] = row[x] === '.' ? 0 : Number(row[x]);
  });
  return { width, height, data };
}

/** Even-odd point-in-polygon for a closed ring. */
function insideRing(ring: readonly (readonly [number, number])[], px: number, py: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > py !== yj > py && px < xi + ((py - yi) * (xj - xi)) / (yj - yi)) inside = !inside;
  }
  return inside;
}

function shoelace(ring: readonly (readonly [number, number])[]): number {
  let twice = 0;
  for (let i = 0; i + 1 < ring.length; i++) twice += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return twice / 2;
}

const SQUARE = labelsFrom(['......', '.777..', '.777..', '.777..', '......', '......']);

test('3x3 square: area, centroid, bbox, perimeter, shape figures and outline', () => {
  const result = measureNuclei(SQUARE, { micronsPerPixel: 0.5 });
  assert.equal(result.length, 1);
  const n = result[0];
  assert.equal(n.id, 7);
  assert.equal(n.area, 9);
  assert.equal(n.areaUm2, 9 * 0.25);
  // Pixels 1..3 have centres 1.5..3.5, so the centroid is 2.5 (regionprops' row/col 2.0 + 0.5).
  assert.deepEqual(n.centroid, { x: 2.5, y: 2.5 });
  assert.deepEqual(n.bbox, { x: 1, y: 1, width: 3, height: 3 });
  // regionprops perimeter: the 8 ring pixels are border pixels, each on a straight run
  // (codes 5 at corners, 25 on edges) weighing 1 each.
  assert.equal(n.perimeter, 8);
  assert.equal(n.perimeterUm, 4);
  assert.equal(n.equivalentDiameter, Math.sqrt(36 / Math.PI));
  assert.equal(n.eccentricity, 0);
  // var(x) = var(y), cov = 0: regionprops' isotropic special case.
  assert.equal(n.orientation, -Math.PI / 4);
  assert.equal(n.solidity, 1);
  assert.deepEqual(n.outline, [[1, 1], [4, 1], [4, 4], [1, 4], [1, 1]]);
  assert.equal(n.meanRgb, undefined);
  assert.equal(n.meanHematoxylin, undefined);
});

test('offset moves every coordinate into slide space and leaves the rest alone', () => {
  const [local] = measureNuclei(SQUARE);
  const [slide] = measureNuclei(SQUARE, { offset: { x: 1000, y: 2000 } });
  assert.deepEqual(slide.centroid, { x: 1002.5, y: 2002.5 });
  assert.deepEqual(slide.bbox, { x: 1001, y: 2001, width: 3, height: 3 });
  assert.deepEqual(slide.outline, local.outline.map(([x, y]) => [x + 1000, y + 2000]));
  assert.equal(slide.perimeter, local.perimeter);
  assert.equal(slide.areaUm2, undefined);
});

test('orientation sign and eccentricity follow regionprops on a tilted stair', () => {
  // Pixels (1,1) (2,1) (3,2) (4,2): x mean 2.5, y mean 1.5; var(x) = 1.25, var(y) = 0.25,
  // cov(x, y) = 0.5. Inertia tensor [[1.25, -0.5], [-0.5, 0.25]]:
  // orientation = 0.5 atan2(2 * 0.5, 0.25 - 1.25) = 0.5 * 3π/4 = 3π/8 (major axis runs
  // down-right, closer to the x axis than to the row axis); eigenvalues 0.75 ± sqrt(0.5),
  // eccentricity = sqrt(1 - l2 / l1). scikit-image 0.19.3 gives the same three numbers.
  const down = measureNuclei(labelsFrom(['......', '.11...', '...11.', '......']), { simplifyTolerance: 0 })[0];
  const l1 = 0.75 + Math.sqrt(0.5);
  const l2 = 0.75 - Math.sqrt(0.5);
  assert.ok(Math.abs(down.orientation - (3 * Math.PI) / 8) < 1e-12);
  assert.ok(Math.abs(down.eccentricity - Math.sqrt(1 - l2 / l1)) < 1e-12);
  // Border codes: end pixels 1 + 2 = 3 (weight 0), inner pixels 1 + 2 + 10 = 13 ((1 + √2) / 2 each).
  assert.ok(Math.abs(down.perimeter - (1 + Math.SQRT2)) < 1e-12);
  // The mirror image (major axis down-left) flips the sign.
  const up = measureNuclei(labelsFrom(['......', '...11.', '.11...', '......']))[0];
  assert.ok(Math.abs(up.orientation + (3 * Math.PI) / 8) < 1e-12);
  // Diagonal neighbours are connected: the outline pinches at corner (3, 2) and holds all four pixels.
  assert.deepEqual(down.outline, [[1, 1], [3, 1], [3, 2], [5, 2], [5, 3], [3, 3], [3, 2], [1, 2], [1, 1]]);
  // Axis-aligned bars: vertical major axis is 0, horizontal is π/2.
  assert.equal(measureNuclei(labelsFrom(['.1.', '.1.', '.1.', '.1.']))[0].orientation, 0);
  assert.equal(measureNuclei(labelsFrom(['....', '1111', '....']))[0].orientation, Math.PI / 2);
});

test('a rasterized tilted ellipse: orientation is π/2 minus its angle from the x axis', () => {
  // Major axis along (cos θ, sin θ) with y pointing down: var(x) - var(y) = (A - B) cos 2θ and
  // cov = (A - B) sin 2θ / 2, so 0.5 atan2(2 cov, var(y) - var(x)) = π/2 - θ.
  const ellipse = (theta: number): LabelImage => {
    const size = 32;
    const data = new Int32Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const dx = x + 0.5 - 16;
        const dy = y + 0.5 - 16;
        const u = dx * Math.cos(theta) + dy * Math.sin(theta);
        const v = -dx * Math.sin(theta) + dy * Math.cos(theta);
        if ((u / 12) ** 2 + (v / 5) ** 2 <= 1) data[y * size + x] = 1;
      }
    }
    return { width: size, height: size, data };
  };
  const down = measureNuclei(ellipse(Math.PI / 6))[0];
  assert.ok(Math.abs(down.orientation - Math.PI / 3) < 0.03, `${down.orientation}`);
  const up = measureNuclei(ellipse(-Math.PI / 6))[0];
  assert.ok(Math.abs(up.orientation + Math.PI / 3) < 0.03, `${up.orientation}`);
  // Eccentricity of a 12:5 ellipse is sqrt(1 - (5/12)^2) = 0.909.
  assert.ok(Math.abs(down.eccentricity - Math.sqrt(1 - (5 / 12) ** 2)) < 0.02, `${down.eccentricity}`);
  // The hull of pixel corners takes in the staircase notches: 188 px over a hull of 205 here.
  assert.ok(down.solidity > 0.9 && down.solidity < 1, `${down.solidity}`);
});

test('the outline of an L-shape encloses exactly its pixels', () => {
  const L = labelsFrom([
    '........',
    '.11.....',
    '.11.....',
    '.11.....',
    '.11.....',
    '.111111.',
    '.111111.',
    '........',
  ]);
  for (const simplifyTolerance of [0, 0.5]) {
    const [n] = measureNuclei(L, { simplifyTolerance });
    assert.deepEqual(n.outline, [[1, 1], [3, 1], [3, 5], [7, 5], [7, 7], [1, 7], [1, 1]]);
    assert.equal(shoelace(n.outline), 20, 'counter-clockwise in (x, y) values, area = pixel count');
    for (let y = 0; y < L.height; y++) {
      for (let x = 0; x < L.width; x++) {
        assert.equal(insideRing(n.outline, x + 0.5, y + 0.5), L.data[y * L.width + x] === 1, `pixel (${x}, ${y})`);
      }
    }
  }
  const [n] = measureNuclei(L);
  assert.equal(n.area, 20);
  // scikit-image 0.19.3 regionprops perimeter of this L is 17.
  assert.equal(n.perimeter, 17);
  // Hull of the pixel corners: (1,1) (3,1) (7,5) (7,7) (1,7), area 28 (regionprops rasterizes
  // its hull to 26 pixels instead; we keep the continuous hull).
  assert.equal(n.solidity, 20 / 28);
});

test('simplification drops staircase corners within the tolerance', () => {
  // A disc of radius 6: its pixel boundary is all 1-px steps (each corner 0.7 px off the
  // chord of its neighbours, so the default 0.5 keeps them; a tolerance of 1 does not).
  const size = 16;
  const data = new Int32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if ((x - 7.5) ** 2 + (y - 7.5) ** 2 <= 36) data[y * size + x] = 1;
  const labels = { width: size, height: size, data };
  const [full] = measureNuclei(labels, { simplifyTolerance: 0 });
  const tolerance = 1;
  const [simple] = measureNuclei(labels, { simplifyTolerance: tolerance });
  assert.ok(simple.outline.length < full.outline.length, `${simple.outline.length} < ${full.outline.length}`);
  for (const [x, y] of full.outline) {
    let best = Infinity;
    for (let i = 0; i + 1 < simple.outline.length; i++) {
      const [ax, ay] = simple.outline[i];
      const [bx, by] = simple.outline[i + 1];
      const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
      best = Math.min(best, Math.hypot(x - ax - t * (bx - ax), y - ay - t * (by - ay)));
    }
    assert.ok(best <= tolerance + 1e-9, `corner (${x}, ${y}) is ${best} px from the simplified ring`);
  }
});

test('solidity: convex hull of pixel corners from row spans', () => {
  // One pixel: its four corners, hull area 1; no 4-neighbour border run, so perimeter 0 as in regionprops.
  const [pixel] = measureNuclei(labelsFrom(['1']));
  assert.equal(pixel.solidity, 1);
  assert.equal(pixel.perimeter, 0);
  assert.deepEqual(pixel.outline, [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]);
  // An L of 5 px: hull (0,0) (1,0) (3,2) (3,3) (0,3), area 7.
  assert.equal(measureNuclei(labelsFrom(['1..', '1..', '111']))[0].solidity, 5 / 7);
  // Its mirror image (the hull's other side).
  assert.equal(measureNuclei(labelsFrom(['..1', '..1', '111']))[0].solidity, 5 / 7);
  // A row with two runs of the label: the hull spans both (a 3x2 rectangle).
  assert.equal(measureNuclei(labelsFrom(['1.1', '111']))[0].solidity, 5 / 6);
  // Rows that skip: hull (0,0) (1,0) (2,2) (2,3) (1,3) (0,1), area 4.
  assert.equal(measureNuclei(labelsFrom(['1.', '..', '.1']))[0].solidity, 2 / 4);
  // A plus: hull (1,0) (2,0) (3,1) (3,2) (2,3) (1,3) (0,2) (0,1), the 3x3 square less four half-pixel corners.
  assert.equal(measureNuclei(labelsFrom(['.1.', '111', '.1.']))[0].solidity, 5 / 7);
});

test('label ids: dense, beyond the first table, sparse and many regions measure alike', () => {
  // 400 one-pixel regions and a few larger ones, numbered three ways: 1..N (dense table),
  // shifted past 1024 but within the pixel count (the table grows) and far past it (a Map).
  const size = 48;
  const base = new Int32Array(size * size);
  let next = 1;
  for (let y = 0; y < 40; y += 2) for (let x = 0; x < 40; x += 2) base[y * size + x] = next++;
  for (let y = 40; y < size; y++) for (let x = 0; x < size; x++) base[y * size + x] = next + ((x >> 3) % 3);
  for (let y = 0; y < 40; y++) for (let x = 41; x < size; x++) base[y * size + x] = y < 20 ? next + 3 : next + ((x + y) % 2 ? 4 : 0);
  const measure = (offset: number) => {
    const data = base.map((v) => (v === 0 ? 0 : v + offset));
    return measureNuclei({ width: size, height: size, data }).map((n) => ({ ...n, id: n.id - offset }));
  };
  const dense = measure(0);
  assert.equal(dense.length, next + 4);
  assert.deepEqual(measure(1500), dense);
  assert.deepEqual(measure(1_000_000), dense);
});

test('simplification keeps the vertices of the plain Euclidean definition, ties included', () => {
  // Douglas-Peucker as defined: Math.hypot distances, the first strictly largest wins.
  const reference = (ring: readonly number[], tolerance: number): number[] => {
    const n = ring.length / 2;
    const dist = (i: number, a: number, b: number): number => {
      const [px, py, ax, ay, bx, by] = [i, a, b].flatMap((k) => [ring[2 * (k % n)], ring[2 * (k % n) + 1]]);
      const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
      let t = len2 > 0 ? ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
    };
    let far = 0;
    for (let i = 1, best = -1; i < n; i++) {
      const d = Math.hypot(ring[2 * i] - ring[0], ring[2 * i + 1] - ring[1]);
      if (d > best) [best, far] = [d, i];
    }
    const keep = new Set([0, far]);
    const stack = [[0, far], [far, n]];
    for (let seg = stack.pop(); seg; seg = stack.pop()) {
      const [a, b] = seg;
      let worst = -1;
      for (let i = a + 1, worstDist = tolerance; i < b; i++) {
        const d = dist(i, a, b);
        if (d > worstDist) [worstDist, worst] = [d, i];
      }
      if (worst >= 0) keep.add(worst) && stack.push([a, worst], [worst, b]);
    }
    const out = [...keep].sort((p, q) => p - q).flatMap((i) => [ring[2 * i], ring[2 * i + 1]]);
    return out.length >= 6 ? out : ring.slice();
  };
  // Regular staircases (a diagonal band, discs) put many corners at exactly equal distances,
  // and tolerance 1 meets corners exactly 1 px off a chord.
  const shapes: LabelImage[] = [];
  for (const r of [3, 6, 9.5]) {
    const size = 24;
    const data = new Int32Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if ((x - 11.5) ** 2 + ((y - 11.5) * 1.3) ** 2 <= r * r) data[y * size + x] = 1;
    shapes.push({ width: size, height: size, data });
  }
  const band = new Int32Array(30 * 30);
  for (let y = 0; y < 30; y++) for (let x = 0; x < 30; x++) if (Math.abs(x - 2 * y + 12) <= 4 && y > 2 && y < 26) band[y * 30 + x] = 1;
  shapes.push({ width: 30, height: 30, data: band });
  for (const labels of shapes) {
    const [corners] = measureNuclei(labels, { simplifyTolerance: 0 });
    const ring = corners.outline.slice(0, -1).flat();
    for (const simplifyTolerance of [0.5, 1, 1.5, 2.25]) {
      const [n] = measureNuclei(labels, { simplifyTolerance });
      const expected = reference(ring, simplifyTolerance);
      assert.deepEqual(n.outline.slice(0, -1).flat(), expected, `tolerance ${simplifyTolerance}`);
    }
  }
});

test('touching labels with sparse ids: each measured alone, sorted by id', () => {
  const labels: LabelImage = {
    width: 5,
    height: 3,
    data: Int32Array.from([0, 9, 9, 3, 3, 0, 9, 9, 3, 3, 0, 0, 0, 0, 0]),
  };
  labels.data[14] = 70000;
  const result = measureNuclei(labels);
  assert.deepEqual(result.map((n) => n.id), [3, 9, 70000]);
  // A 2x2 square: four border pixels with code 1 + 2*2 + 10 = 15, weight 1 each.
  assert.equal(result[0].perimeter, 4);
  assert.equal(result[1].perimeter, 4);
  assert.deepEqual(result[0].bbox, { x: 3, y: 0, width: 2, height: 2 });
  assert.deepEqual(result[2].outline, [[4, 2], [5, 2], [5, 3], [4, 3], [4, 2]]);
  // Plain JSON: survives a structured round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
});

test('a label in two pieces: outline of the first piece, solidity over both', () => {
  const [n] = measureNuclei(labelsFrom(['1..1']));
  assert.equal(n.area, 2);
  assert.deepEqual(n.bbox, { x: 0, y: 0, width: 4, height: 1 });
  assert.deepEqual(n.outline, [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]);
  assert.equal(n.solidity, 2 / 4);
});

test('mean colour and hematoxylin density from the image and stain parameters', () => {
  const labels = labelsFrom(['11.', '11.', '...']);
  const image = { width: 3, height: 3, data: new Uint8Array(27).fill(250) };
  for (const i of [0, 1, 3, 4]) image.data.set([120, 60, 180], 3 * i);
  image.data.set([100, 40, 160], 3 * 4);
  const stain = DEFAULT_STAIN_TARGET.vahadane;
  const [n] = measureNuclei(labels, { image, stain });
  assert.deepEqual(n.meanRgb, [115, 55, 175]);
  const h = stainConcentrations(stain, image).hematoxylin;
  const expected = (h[0] + h[1] + h[3] + h[4]) / 4;
  assert.ok(Math.abs((n.meanHematoxylin as number) - expected) < 1e-9);
  assert.ok((n.meanHematoxylin as number) > 0);
  const [noStain] = measureNuclei(labels, { image });
  assert.equal(noStain.meanHematoxylin, undefined);
});

test('inputs are validated and never modified', () => {
  const labels = labelsFrom(['11.', '...']);
  const before = labels.data.slice();
  measureNuclei(labels, { image: { width: 3, height: 2, data: new Uint8Array(18) } });
  assert.deepEqual(labels.data, before);
  assert.throws(() => measureNuclei(labels, { image: { width: 2, height: 3, data: new Uint8Array(18) } }), (err: unknown) => {
    assert.ok(err instanceof ShapeError);
    assert.match(err.message, /3x2.*2x3/);
    return true;
  });
  assert.throws(() => measureNuclei({ width: 3, height: 2, data: new Int32Array(5) }), ShapeError);
  assert.throws(() => measureNuclei(labels, { stain: DEFAULT_STAIN_TARGET.macenko }), InvalidArgumentError);
  assert.throws(() => measureNuclei(labels, { micronsPerPixel: 0 }), InvalidArgumentError);
  assert.throws(() => measureNuclei(labels, { simplifyTolerance: -1 }), InvalidArgumentError);
  assert.throws(() => measureNuclei({ width: 2, height: 1, data: Int32Array.of(0, -4) }), /non-negative/);
  assert.deepEqual(measureNuclei({ width: 0, height: 0, data: new Int32Array(0) }), []);
});

test('measureNuclei select: only accepted nuclei are measured, judged on exact centroid and box', () => {
  const rows = ['11000022', '11000022', '00033000', '00033000'];
  const labels = { width: 8, height: 4, data: Int32Array.from(rows.join(''), (c) => Number(c)) };
  const all = measureNuclei(labels, { offset: { x: 100, y: 50 } });
  const seen: number[] = [];
  const kept = measureNuclei(labels, {
    offset: { x: 100, y: 50 },
    select: (n) => {
      seen.push(n.centroid.x);
      return n.bbox.x !== 106;
    },
  });
  assert.deepEqual(seen.sort((a, b) => a - b), [101, 104, 107]);
  assert.deepEqual(kept, all.filter((n) => n.id !== 2));
});

test('measureNuclei select: a kept nucleus touching rejected ones measures as when all are measured', () => {
  // Rejected regions skip the per-pixel pass (perimeter, colour, hematoxylin); their kept
  // neighbours must not notice, whatever side they touch on.
  const rows = ['1122233', '1122233', '4112333', '4411555', '4441555'];
  const labels = { width: 7, height: 5, data: Int32Array.from(rows.join(''), (c) => Number(c)) };
  const data = new Uint8Array(7 * 5 * 3);
  for (let i = 0; i < data.length; i++) data[i] = 20 + ((i * 71) % 220);
  const opts = { image: { width: 7, height: 5, data }, stain: DEFAULT_STAIN_TARGET.vahadane, micronsPerPixel: 0.25 };
  const all = measureNuclei(labels, opts);
  for (const rejected of [[2], [1, 3], [4, 5], [1, 2, 3, 4, 5]]) {
    const kept = measureNuclei(labels, { ...opts, select: (n) => !rejected.includes(all.find((a) => a.centroid.x === n.centroid.x && a.centroid.y === n.centroid.y)!.id) });
    assert.deepEqual(kept, all.filter((n) => !rejected.includes(n.id)), `rejecting ${rejected.join(',')}`);
  }
});

test('measureNuclei omit: perimeter and solidity read NaN, every other figure is unchanged', () => {
  const rows = ['1122233', '1122233', '4112333', '4411555', '4441555'];
  const labels = { width: 7, height: 5, data: Int32Array.from(rows.join(''), (c) => Number(c)) };
  const data = new Uint8Array(7 * 5 * 3);
  for (let i = 0; i < data.length; i++) data[i] = 20 + ((i * 71) % 220);
  const hematoxylin = stainConcentrations(DEFAULT_STAIN_TARGET.vahadane, { width: 7, height: 5, data }).hematoxylin;
  const opts = { hematoxylin: { width: 7, height: 5, data: hematoxylin }, micronsPerPixel: 0.25 };
  const all = measureNuclei(labels, opts);
  for (const omit of [{ perimeter: true }, { solidity: true }, { perimeter: true, solidity: true }]) {
    const some = measureNuclei(labels, { ...opts, omit });
    assert.equal(some.length, all.length);
    some.forEach((n, k) => {
      const full = all[k];
      assert.equal(Number.isNaN(n.perimeter), omit.perimeter === true, `perimeter ${JSON.stringify(omit)}`);
      assert.equal(Number.isNaN(n.perimeterUm!), omit.perimeter === true);
      assert.equal(Number.isNaN(n.solidity), omit.solidity === true, `solidity ${JSON.stringify(omit)}`);
      assert.deepEqual(
        { ...n, perimeter: 0, perimeterUm: 0, solidity: 0 },
        { ...full, perimeter: 0, perimeterUm: 0, solidity: 0 },
        `nucleus ${full.id} ${JSON.stringify(omit)}`,
      );
      if (!omit.perimeter) assert.equal(n.perimeter, full.perimeter);
      if (!omit.solidity) assert.equal(n.solidity, full.solidity);
    });
  }
  // Nothing left to sum per pixel: the second pass is skipped, and the rest still agrees.
  const bare = measureNuclei(labels, { omit: { perimeter: true, solidity: true } });
  assert.deepEqual(
    bare.map((n) => [n.id, n.area, n.centroid, n.bbox, n.eccentricity, n.orientation, n.outline, n.meanHematoxylin]),
    all.map((n) => [n.id, n.area, n.centroid, n.bbox, n.eccentricity, n.orientation, n.outline, undefined]),
  );
  // The exports leave a figure that was not measured out rather than writing NaN.
  const [feature] = toGeoJson(bare.slice(0, 1)).features;
  assert.equal('Perimeter' in feature.properties.measurements, false);
  assert.equal('Solidity' in feature.properties.measurements, false);
  assert.equal(feature.properties.measurements.Area, all[0].area);
});

test('runs handed over by the paper recipe measure exactly as the pixels do; wrong runs are refused', () => {
  // Touching blobs with holes and a lighter rim: cut lines, filled holes and merged runs.
  const width = 90;
  const height = 70;
  const mask = new Uint8Array(width * height);
  const marker = new Uint8Array(width * height);
  const blobs = [[20, 20, 11], [38, 22, 10], [60, 40, 13], [25, 50, 8], [45, 55, 9]] as const;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      for (const [cx, cy, r] of blobs) {
        const d = Math.hypot(x - cx, y - cy);
        if (d < r && d > 2.5) mask[i] = Math.max(mask[i], d < r - 2 ? 230 : 120);
        if (d < r / 2) marker[i] = 200;
      }
    }
  }
  const params = { ...PAPER_PARAMS, dilateRadius: 0, minNucleusArea: 10, minMarkerArea: 4, maxHoleArea: 60 };
  const { labels, runs } = postprocessWithRuns({ width, height, data: mask }, { width, height, data: marker }, params);
  assert.ok(runs && runs.runs > 0, 'the paper recipe without dilation hands over its runs');
  const hematoxylin = { width, height, data: Float32Array.from(mask, (v, i) => v / 97 + (i % 7) / 11) };
  const byPixels = measureNuclei(labels, { hematoxylin, micronsPerPixel: 0.25 });
  assert.ok(byPixels.length >= 4, `nuclei: ${byPixels.length}`);
  assert.deepEqual(measureNuclei(labels, { hematoxylin, micronsPerPixel: 0.25, runs }), byPixels);
  assert.equal(postprocessWithRuns({ width, height, data: mask }, { width, height, data: marker }, { ...params, dilateRadius: 1 }).runs, undefined);
  // A run split in two, and a run whose label is not the pixels': refused, not mismeasured.
  const k = Array.from(runs.label.subarray(0, runs.runs)).findIndex((_, j) => runs.end[j] - runs.start[j] >= 2);
  const split = { runs: runs.runs + 1, start: new Int32Array(runs.runs + 1), end: new Int32Array(runs.runs + 1), label: new Int32Array(runs.runs + 1) };
  for (let j = 0, o = 0; j < runs.runs; j++, o++) {
    split.start[o] = runs.start[j];
    split.end[o] = runs.end[j];
    split.label[o] = runs.label[j];
    if (j === k) {
      split.end[o] = runs.start[j] + 1;
      o++;
      split.start[o] = runs.start[j] + 1;
      split.end[o] = runs.end[j];
      split.label[o] = runs.label[j];
    }
  }
  assert.throws(() => measureNuclei(labels, { runs: split }), /maximal row runs/);
  const relabelled = { ...runs, label: runs.label.map((v, j) => (j === k ? v + 1 : v)) };
  assert.throws(() => measureNuclei(labels, { runs: relabelled }), /maximal row runs/);
});

test('measureNuclei takes a hematoxylin plane instead of image + stain, with the same means', () => {
  const rows = ['11000022', '11000022', '00033000', '00033000'];
  const labels = { width: 8, height: 4, data: Int32Array.from(rows.join(''), (c) => Number(c)) };
  const data = new Uint8Array(8 * 4 * 3);
  for (let i = 0; i < data.length; i++) data[i] = 30 + ((i * 53) % 210);
  const image = { width: 8, height: 4, data };
  const stain = DEFAULT_STAIN_TARGET.vahadane;
  const plane = { width: 8, height: 4, data: stainConcentrations(stain, image).hematoxylin };
  const fromImage = measureNuclei(labels, { image, stain }).map((n) => n.meanHematoxylin);
  assert.deepEqual(measureNuclei(labels, { hematoxylin: plane }).map((n) => n.meanHematoxylin), fromImage);
  assert.throws(() => measureNuclei(labels, { image, stain, hematoxylin: plane }), /not both/);
  assert.throws(() => measureNuclei(labels, { hematoxylin: { width: 4, height: 4, data: new Float32Array(16) } }), ShapeError);
});

test('measuring is not changed by what was measured before (working arrays are reused)', () => {
  // Many labelled squares on a wide raster grow every working array; a small raster measured
  // afterwards must come out as when it is measured first.
  const small: LabelImage = { width: 6, height: 5, data: new Int32Array(30) };
  for (const i of [7, 8, 13, 14, 15, 20]) small.data[i] = 2;
  small.data[28] = 5;
  const first = measureNuclei(small, { micronsPerPixel: 0.5 });
  const big: LabelImage = { width: 400, height: 300, data: new Int32Array(400 * 300) };
  let id = 1;
  for (let y = 1; y + 3 < 300; y += 4) {
    for (let x = 1; x + 3 < 400; x += 4) {
      for (let dy = 0; dy < 3; dy++) big.data.fill(id, (y + dy) * 400 + x, (y + dy) * 400 + x + 3);
      id++;
    }
  }
  assert.equal(measureNuclei(big).length, id - 1);
  assert.deepEqual(measureNuclei(small, { micronsPerPixel: 0.5 }), first);
  // A call that fails part-way (a negative label) leaves nothing behind either.
  const bad: LabelImage = { width: 400, height: 300, data: big.data.slice() };
  bad.data[299 * 400 + 399] = -1;
  assert.throws(() => measureNuclei(bad), InvalidArgumentError);
  assert.deepEqual(measureNuclei(small, { micronsPerPixel: 0.5 }), first);
});

test('equal bins: counts by hand, the maximum closed into the last bin, non-finite values left out', () => {
  assert.deepEqual(equalBins([1, 2, 2, 4, NaN, Infinity], 3), { lo: 1, width: 1, counts: [1, 2, 1], maxCount: 2 });
  // All equal: bins of width 1 from the value, everything in the first.
  assert.deepEqual(equalBins([5, 5], 2), { lo: 5, width: 1, counts: [2, 0], maxCount: 2 });
  assert.deepEqual(equalBins([NaN], 4), { lo: 0, width: 1, counts: [], maxCount: 0 });
  assert.throws(() => equalBins([1], 0), InvalidArgumentError);
  assert.throws(() => equalBins([1], 2.5), InvalidArgumentError);
});
