/**
 * Reference check of post-processing + scoring on the USE-Net authors' released network
 * outputs for the 14 MoNuSeg test images, against the official test outlines rasterized
 * with the MoNuSeg convention (poly2mask). Skips when ../shared/data/monuseg is absent.
 *
 * Measured when written (see the report of issue #3): mean AJI 0.6390 (paper) and 0.6392
 * (default). The floors below leave room for tie-order changes only. The issue asked for
 * >= 0.64 from the default recipe; its defaults were fixed from principle before this check
 * and were not tuned on these test images afterwards, so its floor is the measured figure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseAnnotationXml, rasterizePolygons, readProbMapU8 } from '@nucleilens/pipeline';
import { evaluate } from '@nucleilens/pipeline/evaluate';
import { DEFAULT_PARAMS, PAPER_PARAMS, postprocess } from '@nucleilens/pipeline/post';

const MONUSEG = fileURLToPath(new URL('../../../../shared/data/monuseg/', import.meta.url));
const FLOORS = { paper: 0.62, default: 0.635 } as const;

test('mean AJI of both recipes on the USE-Net reference maps', async (t) => {
  if (!existsSync(`${MONUSEG}reference/use-net/mask`)) {
    t.skip(`MoNuSeg reference maps not found at ${MONUSEG} (a fresh clone has no ../shared)`);
    return;
  }
  const stems = (await readdir(`${MONUSEG}reference/use-net/mask`))
    .filter((f) => f.endsWith('.png'))
    .map((f) => f.slice(0, -4))
    .sort();
  assert.equal(stems.length, 14);
  const sums = { paper: 0, default: 0 };
  for (const stem of stems) {
    const mask = await readProbMapU8(`${MONUSEG}reference/use-net/mask/${stem}.png`);
    const marker = await readProbMapU8(`${MONUSEG}reference/use-net/marker/${stem}.png`);
    const set = parseAnnotationXml(await readFile(`${MONUSEG}test/annotations/${stem}.xml`, 'utf8'));
    const gt = rasterizePolygons(set.regions.map((r) => r.polygon), mask.width, mask.height, { rule: 'poly2mask' });
    for (const params of [PAPER_PARAMS, DEFAULT_PARAMS]) {
      sums[params.recipe] += evaluate(gt, postprocess(mask, marker, params)).aji;
    }
  }
  const mean = { paper: sums.paper / stems.length, default: sums.default / stems.length };
  t.diagnostic(`mean AJI paper ${mean.paper.toFixed(4)}, default ${mean.default.toFixed(4)}`);
  assert.ok(mean.paper >= FLOORS.paper, `paper: mean AJI ${mean.paper} < ${FLOORS.paper}`);
  assert.ok(mean.default >= FLOORS.default, `default: mean AJI ${mean.default} < ${FLOORS.default}`);
});
