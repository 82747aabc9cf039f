/**
 * `nucleilens convert` through the built CLI: one image, and a folder as a mosaic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { openSlide, planMosaic } from '@nucleilens/pipeline';
import { testPattern } from '../fixtures/slides.js';

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(repo, 'cli/dist/main.js');

test('planMosaic lays images on a near-square grid with gaps', () => {
  const layout = planMosaic(
    [
      { file: 'a', width: 100, height: 80 },
      { file: 'b', width: 90, height: 100 },
      { file: 'c', width: 100, height: 100 },
    ],
    10,
  );
  assert.deepEqual([layout.width, layout.height], [230, 230]);
  assert.deepEqual(layout.placements.map((p) => [p.x, p.y]), [[10, 10], [120, 10], [10, 120]]);
});

test('convert writes a tiled pyramidal JPEG TIFF with mpp, from an image and from a folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nucleilens-convert-'));
  try {
    const img = testPattern(600, 400);
    const raw = () => sharp(Buffer.from(img.data), { raw: { width: 600, height: 400, channels: 3 } });
    await raw().png().toFile(join(dir, 'one.png'));
    const { stdout } = await run(process.execPath, [cli, 'convert', join(dir, 'one.png'), join(dir, 'one.tif'), '--mpp', '0.25', '--tile', '128']);
    assert.match(stdout, /600x400, mpp 0\.25/);
    const slide = await openSlide(join(dir, 'one.tif'));
    assert.deepEqual([slide.info.format, slide.info.width, slide.info.tileWidth, slide.info.mpp], ['tiled-tiff', 600, 128, 0.25]);
    assert.ok(slide.info.levels.length >= 3);
    await slide.close();

    const folder = join(dir, 'tiles');
    await mkdir(folder);
    for (const name of ['a', 'b', 'c']) await raw().png().toFile(join(folder, `${name}.png`));
    await run(process.execPath, [cli, 'convert', folder, join(dir, 'mosaic.tif'), '--mpp', '0.5', '--gap', '20']);
    const mosaic = await openSlide(join(dir, 'mosaic.tif'));
    assert.deepEqual([mosaic.info.width, mosaic.info.height, mosaic.info.mpp], [20 + 2 * 620, 20 + 2 * 420, 0.5]);
    const layout = JSON.parse(await readFile(join(dir, 'mosaic.tif.layout.json'), 'utf8')) as { placements: { file: string }[] };
    assert.deepEqual(layout.placements.map((p) => p.file), ['a.png', 'b.png', 'c.png']);
    // The gap is white, an image corner is the pattern.
    const gap = await mosaic.readRegion({ x: 0, y: 0, width: 4, height: 4 }, 0);
    assert.ok(gap.data.every((v) => v > 245));
    await mosaic.close();

    await assert.rejects(run(process.execPath, [cli, 'convert', join(dir, 'missing.png'), join(dir, 'x.tif')]), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /no such file/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
