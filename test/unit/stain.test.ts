import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STAIN_TARGET, HematoxylinMemo, InvalidArgumentError, fitStain, normalizeStain, stainConcentrations } from '@nucleilens/pipeline';
import type { OdVector, RgbImage, StainParams } from '@nucleilens/pipeline';

function unit(v: [number, number, number]): OdVector {
  const n = Math.hypot(...v);
  return [v[0] / n, v[1] / n, v[2] / n];
}

// Known stains, close to Ruifrok & Johnston's but not equal to the fallback references.
const H = unit([0.62, 0.72, 0.31]);
const E = unit([0.1, 0.97, 0.2]);

function degrees(a: OdVector, b: OdVector): number {
  return (Math.acos(Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2])) * 180) / Math.PI;
}

/** Deterministic uniform numbers in [0, 1) (LCG), so the test image is the same every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * I = 255 exp(-(h H + e E)) with sparse concentrations: 15 % glass, 30 % hematoxylin only,
 * 35 % eosin only, 20 % both (as in tissue, most pixels are dominated by one stain).
 */
function composeImage(size: number, withEosin = true, seed = 7): RgbImage {
  const rand = lcg(seed);
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const u = rand();
    let h = 0;
    let e = 0;
    if (u < 0.15) {
      // glass
    } else if (u < 0.45 || !withEosin) {
      h = 0.3 + 1.2 * rand();
    } else if (u < 0.8) {
      e = 0.2 + 0.8 * rand();
    } else {
      h = 0.2 + 0.8 * rand();
      e = 0.2 + 0.6 * rand();
    }
    for (let c = 0; c < 3; c++) data[3 * i + c] = Math.round(255 * Math.exp(-(h * H[c] + e * E[c])));
  }
  return { width: size, height: size, data };
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

function assertFinite(params: StainParams): void {
  for (const v of [...params.stainMatrix[0], ...params.stainMatrix[1], ...params.maxConcentrations, params.background]) {
    assert.ok(Number.isFinite(v), `${JSON.stringify(params)} has a non-finite number`);
  }
}

const IMAGE = composeImage(96);

for (const method of ['vahadane', 'macenko'] as const) {
  test(`${method}: fit recovers both stain vectors of a synthetic two-stain image`, () => {
    const p = fitStain(IMAGE, { method });
    assert.equal(p.method, method);
    assert.equal(p.fallback, undefined);
    assert.ok(degrees(p.stainMatrix[0], H) < 3, `hematoxylin off by ${degrees(p.stainMatrix[0], H).toFixed(2)}°`);
    assert.ok(degrees(p.stainMatrix[1], E) < 3, `eosin off by ${degrees(p.stainMatrix[1], E).toFixed(2)}°`);
    // Fitting is deterministic: the same image gives the same JSON.
    assert.deepEqual(fitStain(IMAGE, { method }), p);
  });

  test(`${method}: normalizing an image to its own parameters gives it back`, () => {
    const p = fitStain(IMAGE, { method });
    const before = IMAGE.data.slice();
    const out = normalizeStain(p, p, IMAGE);
    assert.deepEqual(IMAGE.data, before, 'input untouched');
    assert.ok(out.data instanceof Uint8Array);
    assert.equal(out.data.length, IMAGE.data.length);
    const mad = meanAbsDiff(out.data, IMAGE.data);
    assert.ok(mad < 2, `mean abs difference ${mad.toFixed(3)} grey levels`);
  });

  test(`${method}: blank glass gives the reference matrix with fallback 'no-tissue'`, () => {
    const white = { width: 16, height: 16, data: new Uint8Array(16 * 16 * 3).fill(255) };
    const p = fitStain(white, { method });
    assert.equal(p.fallback, 'no-tissue');
    assertFinite(p);
    const c = stainConcentrations(p, white);
    assert.ok(c.hematoxylin.every((v) => v === 0) && c.eosin.every((v) => v === 0));
    assert.ok(normalizeStain(p, p, white).data.every((v) => v === 255), 'glass stays white');
  });

  test(`${method}: a hematoxylin-only image gives fallback 'single-stain' and finite numbers`, () => {
    const img = composeImage(64, false, 11);
    const p = fitStain(img, { method });
    assert.equal(p.fallback, 'single-stain');
    assertFinite(p);
    assert.ok(degrees(p.stainMatrix[0], H) < 3, `hematoxylin off by ${degrees(p.stainMatrix[0], H).toFixed(2)}°`);
    const c = stainConcentrations(p, img);
    assert.ok(c.hematoxylin.every(Number.isFinite) && c.eosin.every(Number.isFinite));
    const out = normalizeStain(p, p, img);
    assert.ok(meanAbsDiff(out.data, img.data) < 2);
  });
}

test('concentrations of a composed pixel come back (non-negative least squares)', () => {
  const p = fitStain(IMAGE, { method: 'macenko' });
  const [h, e] = p.stainMatrix;
  const img = { width: 1, height: 1, data: new Uint8Array(3) };
  for (let c = 0; c < 3; c++) img.data[c] = Math.round(255 * Math.exp(-(0.8 * h[c] + 0.3 * e[c])));
  const conc = stainConcentrations(p, img);
  assert.ok(Math.abs(conc.hematoxylin[0] - 0.8) < 0.02, `${conc.hematoxylin[0]}`);
  assert.ok(Math.abs(conc.eosin[0] - 0.3) < 0.02, `${conc.eosin[0]}`);
});

test('fitStain rejects an unknown method and an out-of-range background', () => {
  assert.throws(() => fitStain(IMAGE, { method: 'reinhard' as 'macenko' }), InvalidArgumentError);
  assert.throws(() => fitStain(IMAGE, { background: 0 }), InvalidArgumentError);
});

test('HematoxylinMemo gives stainConcentrations hematoxylin, colour by colour, across calls', () => {
  const stain = DEFAULT_STAIN_TARGET.vahadane;
  const width = 64;
  const height = 4;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 97 + (i >> 5)) % 256;
  const expected = stainConcentrations(stain, { width, height, data }).hematoxylin;
  const memo = new HematoxylinMemo(stain);
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < width * height; i++) assert.equal(memo.of(data[3 * i], data[3 * i + 1], data[3 * i + 2]), expected[i], `pixel ${i}, pass ${pass}`);
  }
  assert.equal(memo.of(255, 255, 255), 0);
});
