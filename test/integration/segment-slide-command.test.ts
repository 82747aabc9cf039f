/**
 * `nucleilens segment --slide FILE` runs a whole-slide job in-process (the built CLI, the
 * tiny fixture model, a small SVS-like slide): exports GeoJSON and CSV, and a second run
 * with the same cache folder resumes every tile instead of recomputing.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, TINY_CARD } from '../unit/tiny-model.js';
import { nucleiSlideSource, writeNucleiSlide } from '../fixtures/nuclei-slide.js';

const dir = await mkdtemp(join(tmpdir(), 'nucleilens-segment-slide-'));
after(() => rm(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [`${REPO_ROOT}cli/dist/main.js`, ...args], { encoding: 'utf8' });
}

test('segment --slide: a resumable whole-slide run with GeoJSON and CSV exports', async () => {
  const slide = join(dir, 'small.svs');
  await writeNucleiSlide(slide, (await nucleiSlideSource(512)).image);
  const common = ['segment', '--slide', slide, '--model', TINY_CARD, '--tile', '256', '--halo', '32', '--threads', '1', '--cache-dir', join(dir, 'cache')];
  const first = cli(...common, '--geojson', join(dir, 'out.geojson'), '--csv', join(dir, 'out.csv'));
  assert.equal(first.status, 0, first.stderr);
  const m = /^small: (\d+) nuclei in (\d+) tissue tiles \((\d+) resumed/m.exec(first.stdout);
  assert.ok(m, first.stdout);
  const [nuclei, tiles, resumed] = m.slice(1).map(Number);
  assert.ok(nuclei > 0 && tiles === 4 && resumed === 0, first.stdout);
  const fc = JSON.parse(await readFile(join(dir, 'out.geojson'), 'utf8')) as { features: unknown[] };
  assert.equal(fc.features.length, nuclei);
  assert.equal((await readFile(join(dir, 'out.csv'), 'utf8')).trim().split('\n').length, nuclei + 1);

  const second = cli(...common);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`^small: ${nuclei} nuclei in 4 tissue tiles \\(4 resumed`, 'm'));

  const bad = cli('segment', '--slide', join(dir, 'missing.svs'), '--model', TINY_CARD);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no file/);
});
