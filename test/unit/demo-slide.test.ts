/**
 * The synthetic demo slide: deterministic, order-independent bands, H&E-like colours, and
 * a cached pyramidal TIFF that the slide readers open with its scale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSlide } from '@nucleilens/pipeline';
import { DEFAULT_DEMO_RECIPE, SyntheticHe, ensureDemoSlide, mulberry32 } from '@nucleilens/server';

test('mulberry32 is deterministic and uniform-looking', () => {
  const a = mulberry32(7);
  const b = mulberry32(7);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test('synthetic H&E bands do not depend on render order, and look like H&E', () => {
  const o = { width: 3000, height: 2000, seed: 3 };
  const one = new SyntheticHe(o);
  const two = new SyntheticHe(o);
  const late = one.renderBand(1024, 256);
  two.renderBand(0, 256);
  assert.deepEqual(two.renderBand(1024, 256).data, late.data);
  assert.notDeepEqual(new SyntheticHe({ ...o, seed: 4 }).renderBand(1024, 256).data, late.data);
  assert.ok(one.nucleusCount > 100, `${one.nucleusCount} nuclei`);
  // Colour classes over the whole slide: white glass, pink eosin (R > B > G), purple hematoxylin (dark, B >= R > G).
  let white = 0;
  let pink = 0;
  let purple = 0;
  for (let y = 0; y < o.height; y += 500) {
    const band = one.renderBand(y, 500);
    for (let i = 0; i < band.data.length; i += 3) {
      const [r, g, b] = [band.data[i], band.data[i + 1], band.data[i + 2]];
      if (r > 235 && g > 235 && b > 235) white++;
      else if (r > 200 && r > b && b > g) pink++;
      else if (r < 160 && b > g + 30) purple++;
    }
  }
  const n = o.width * o.height;
  assert.ok(white / n > 0.1, `white ${white / n}`);
  assert.ok(pink / n > 0.2, `pink ${pink / n}`);
  assert.ok(purple / n > 0.01, `purple ${purple / n}`);
});

test('the demo slide is built once into the cache folder and reused', async () => {
  assert.ok(DEFAULT_DEMO_RECIPE.width >= 20000 && DEFAULT_DEMO_RECIPE.height >= 20000);
  assert.equal(DEFAULT_DEMO_RECIPE.mpp, 0.25);
  const dir = await mkdtemp(join(tmpdir(), 'nucleilens-demo-'));
  try {
    const recipe = { ...DEFAULT_DEMO_RECIPE, width: 900, height: 600 };
    const seen: number[] = [];
    const first = await ensureDemoSlide({ dir, recipe, onProgress: (p) => seen.push(p.rowsDone) });
    assert.equal(first.built, true);
    assert.deepEqual(seen, [256, 512, 600]);
    const second = await ensureDemoSlide({ dir, recipe });
    assert.equal(second.built, false);
    assert.equal(second.path, first.path);
    const slide = await openSlide(first.path);
    assert.equal(slide.info.format, 'tiled-tiff');
    assert.deepEqual([slide.info.width, slide.info.height, slide.info.mpp], [900, 600, 0.25]);
    assert.equal(slide.info.levels.length, 3);
    await slide.close();
    const rebuilt = await ensureDemoSlide({ dir, recipe: { ...recipe, seed: recipe.seed + 1 } });
    assert.equal(rebuilt.built, true, 'a different recipe rebuilds');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
