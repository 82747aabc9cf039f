/**
 * DEFAULT_STAIN_TARGET keeps numbers fitted on a shared MoNuSeg image so normalization needs
 * no data file; this refits them from that image and checks they still agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STAIN_TARGET, fitStain, readRgb } from '@nucleilens/pipeline';

// build/test/unit/<this>.js -> repository root is three folders up.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IMAGE = fileURLToPath(
  new URL('../shared/data/monuseg/train/images/TCGA-B0-5711-01Z-00-DX1.png', new URL(REPO_ROOT, 'file://')),
);

test('DEFAULT_STAIN_TARGET matches a refit of its source image', async (t) => {
  if (!existsSync(IMAGE)) {
    t.skip(`${IMAGE} is absent (../shared/data/monuseg is not beside this checkout)`);
    return;
  }
  const img = await readRgb(IMAGE);
  for (const method of ['vahadane', 'macenko'] as const) {
    const fitted = fitStain(img, { method });
    const kept = DEFAULT_STAIN_TARGET[method];
    assert.equal(fitted.method, kept.method);
    assert.equal(fitted.background, kept.background);
    assert.equal(fitted.fallback, undefined);
    const pairs: [string, number, number][] = [
      ...fitted.stainMatrix.flatMap((v, s) => v.map((x, c): [string, number, number] => [`stainMatrix[${s}][${c}]`, x, kept.stainMatrix[s][c]])),
      ...fitted.maxConcentrations.map((x, s): [string, number, number] => [`maxConcentrations[${s}]`, x, kept.maxConcentrations[s]]),
    ];
    for (const [name, got, want] of pairs) {
      assert.ok(Math.abs(got - want) <= 1e-6, `${method} ${name}: refit ${got}, kept ${want}`);
    }
  }
});
