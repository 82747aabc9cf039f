import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countLabels, readLabels, writeGrey8, writeLabels, type ProbMapU8 } from '@nucleilens/pipeline';

/** The built CLI, from build/test/unit/ (compiled) — never the working directory. */
const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Probability maps of `n` separate round nuclei on a row, each with a marker at its centre. */
function maps(n: number): { mask: ProbMapU8; marker: ProbMapU8 } {
  const width = 24 * n + 8;
  const height = 32;
  const mask = new Uint8Array(width * height);
  const marker = new Uint8Array(width * height);
  for (let k = 0; k < n; k++) {
    const cx = 16 + 24 * k;
    const cy = 16;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const d2 = (x - cx) ** 2 + (y - cy) ** 2;
        if (d2 <= 64) mask[y * width + x] = 240;
        if (d2 <= 9) marker[y * width + x] = 230;
      }
    }
  }
  return { mask: { width, height, data: mask }, marker: { width, height, data: marker } };
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nucleilens-cli-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('postprocess then eval, one pair and whole folders', async () => {
  await withTemp(async (dir) => {
    for (const sub of ['mask', 'marker', 'gt']) await mkdir(join(dir, sub));
    for (const [stem, n] of [['a', 2], ['b', 3]] as const) {
      const { mask, marker } = maps(n);
      await writeGrey8(join(dir, 'mask', `${stem}.png`), mask);
      await writeGrey8(join(dir, 'marker', `${stem}.png`), marker);
    }
    const one = await cli([
      'postprocess', '--mask', join(dir, 'mask', 'a.png'), '--marker', join(dir, 'marker', 'a.png'),
      '--out', join(dir, 'a-labels.png'), '--recipe', 'paper', '--geojson', join(dir, 'a.geojson'),
    ]);
    assert.equal(one.code, 0, one.stderr);
    const labels = await readLabels(join(dir, 'a-labels.png'));
    assert.equal(countLabels(labels), 2);
    const geo = JSON.parse(await readFile(join(dir, 'a.geojson'), 'utf8')) as { type: string; features: unknown[] };
    assert.equal(geo.type, 'FeatureCollection');
    assert.equal(geo.features.length, 2);

    const many = await cli([
      'postprocess', '--mask', join(dir, 'mask'), '--marker', join(dir, 'marker'), '--out', join(dir, 'pred'),
      '--mask-threshold', '0.5', '--min-area', '10',
    ]);
    assert.equal(many.code, 0, many.stderr);
    assert.match(many.stdout, /\[1\/2\] a: 2 nuclei/);
    assert.match(many.stdout, /\[2\/2\] b: 3 nuclei/);
    assert.equal(countLabels(await readLabels(join(dir, 'pred', 'b.png'))), 3);

    // the predictions scored against themselves as ground truth
    for (const stem of ['a', 'b']) await writeLabels(join(dir, 'gt', `${stem}.png`), await readLabels(join(dir, 'pred', `${stem}.png`)));
    const json = await cli(['eval', '--pred', join(dir, 'pred'), '--gt', join(dir, 'gt'), '--json']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { images: { image: string; aji: number; nGt: number }[]; mean: { aji: number } };
    assert.deepEqual(report.images.map((r) => [r.image, r.aji, r.nGt]), [['a', 1, 2], ['b', 1, 3]]);
    assert.equal(report.mean.aji, 1);
    const table = await cli(['eval', '--pred', join(dir, 'pred'), '--gt', join(dir, 'gt')]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^image\s+AJI\s+Dice\s+PQ\s+F1/);
    assert.match(table.stdout, /\nmean\s+1\.0000\s+1\.0000\s+1\.0000\s+1\.0000/);
  });
});

test('user errors exit 2 with one line', async () => {
  await withTemp(async (dir) => {
    const { mask, marker } = maps(1);
    await writeGrey8(join(dir, 'm.png'), mask);
    await writeGrey8(join(dir, 'k.png'), marker);
    await writeGrey8(join(dir, 'small.png'), { width: 4, height: 4, data: new Uint8Array(16) });
    const base = ['postprocess', '--mask', join(dir, 'm.png'), '--marker', join(dir, 'k.png'), '--out', join(dir, 'o.png')];
    const cases: [string[], RegExp][] = [
      [[...base, '--mask-threshold', '1.5'], /maskThreshold must be a number in \[0, 1\]/],
      [[...base, '--recipe', 'magic'], /unknown post-processing recipe "magic"/],
      [[...base, '--elevation', 'flat'], /--elevation must be one of/],
      [['postprocess', '--mask', join(dir, 'nope.png'), '--marker', join(dir, 'k.png'), '--out', join(dir, 'o.png')], /no such file/],
      [['postprocess', '--mask', join(dir, 'm.png'), '--marker', join(dir, 'small.png'), '--out', join(dir, 'o.png')], /mask is 32x32 but marker is 4x4/],
      [['postprocess', '--mask', join(dir, 'm.png'), '--marker', join(dir, 'k.png'), '--out', join(dir, 'no', 'o.png')], /--out: folder .* does not exist/],
      [['eval', '--pred', join(dir, 'small.png'), '--gt', join(dir, 'm.png')], /ground truth is 32x32 but prediction is 4x4/],
      [['eval', '--pred', join(dir, 'small.png')], /exactly one of --gt/],
      [['eval', '--pred', dir, '--gt-xml', join(dir, 'missing')], /no such file or folder/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    await assert.rejects(stat(join(dir, 'o.png')), 'nothing written on error');
  });
});

test('after npm install and a build, `npx nucleilens` runs the command line', async () => {
  // The command npm links into node_modules/.bin, run as a user would, from the repository root.
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const bin = join(root, 'node_modules', '.bin', 'nucleilens');
  const run = await new Promise<Run>((resolve) => {
    execFile(bin, ['--help'], { cwd: root }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr: `${stderr}${err && typeof err.code !== 'number' ? String(err) : ''}` });
    });
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^usage: nucleilens <command>/);
  assert.match(run.stdout, /postprocess/);
});
