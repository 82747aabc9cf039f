import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { CorruptInputError, encodeRgb, readLabels, readRgb, writeRgb } from '@nucleilens/pipeline';
import { REPO_ROOT, TINY_ONNX, syntheticHe } from './tiny-model.js';

const CLI = join(REPO_ROOT, 'cli/dist/main.js');

function nucleilens(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nucleilens-segment-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const MODEL = ['--model', TINY_ONNX, '--threads', '1'];

test('segment writes labels, GeoJSON and probability maps for one image', async () => {
  await inTemp(async (dir) => {
    await writeRgb(join(dir, 'he.png'), syntheticHe(150, 100, 9));
    const r = await nucleilens(['segment', '--in', join(dir, 'he.png'), '--out', join(dir, 'he.labels.png'), '--geojson', join(dir, 'he.geojson'), '--save-probs', join(dir, 'probs'), '--tile', '64', '--halo', '32', ...MODEL]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^he: \d+ nuclei in 150x100 \(6 tiles;/);
    assert.match(r.stderr, /model tiny-usenet \(tiny-fixture\) on cpu/);
    const labels = await readLabels(join(dir, 'he.labels.png'));
    assert.deepEqual([labels.width, labels.height], [150, 100]);
    const fc = JSON.parse(await readFile(join(dir, 'he.geojson'), 'utf8')) as { type: string; features: unknown[] };
    assert.equal(fc.type, 'FeatureCollection');
    assert.ok(fc.features.length > 0);
    const maskProb = await readRgb(join(dir, 'probs', 'he.mask.png'));
    assert.equal(maskProb.width, 150);
  });
});

test('segment over a folder, with the paper recipe and thresholds from the command line', async () => {
  await inTemp(async (dir) => {
    await writeRgb(join(dir, 'a.png'), syntheticHe(64, 64, 1));
    await writeRgb(join(dir, 'b.jpg'), syntheticHe(80, 48, 2));
    const r = await nucleilens(['segment', '--in', dir, '--out', join(dir, 'out'), '--recipe', 'paper', '--mask-threshold', '0.4', ...MODEL]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split(':')[0]), ['a', 'b']);
    assert.equal((await readLabels(join(dir, 'out', 'b.png'))).width, 80);
  });
});

// Documented results for inputs that are not plain RGB: RGBA is composited over white
// (scanners put white behind the glass), greyscale is replicated to three channels; a
// 10x10 image is reflect-padded to the network's 32 px and cropped back.
test('RGBA, greyscale and 10x10 inputs segment; labels keep the input size', async () => {
  await inTemp(async (dir) => {
    const rgb = syntheticHe(40, 30, 3);
    const rgba = new Uint8Array(40 * 30 * 4);
    const grey = new Uint8Array(40 * 30);
    for (let i = 0; i < 40 * 30; i++) {
      rgba.set([rgb.data[3 * i], rgb.data[3 * i + 1], rgb.data[3 * i + 2], i % 2 ? 255 : 128], 4 * i);
      grey[i] = rgb.data[3 * i];
    }
    await sharp(Buffer.from(rgba), { raw: { width: 40, height: 30, channels: 4 } }).png().toFile(join(dir, 'rgba.png'));
    await sharp(Buffer.from(grey), { raw: { width: 40, height: 30, channels: 1 } }).png().toFile(join(dir, 'grey.png'));
    await writeRgb(join(dir, 'tiny.png'), syntheticHe(10, 10, 5));
    for (const [stem, size] of [['rgba', [40, 30]], ['grey', [40, 30]], ['tiny', [10, 10]]] as const) {
      const r = await nucleilens(['segment', '--in', join(dir, `${stem}.png`), '--out', join(dir, `${stem}.out.png`), ...MODEL]);
      assert.equal(r.code, 0, `${stem}: ${r.stderr}`);
      const labels = await readLabels(join(dir, `${stem}.out.png`));
      assert.deepEqual([labels.width, labels.height], size, stem);
    }
  });
});

test('a truncated PNG is a CorruptInputError: one line on stderr, exit 2', async () => {
  await inTemp(async (dir) => {
    const png = await encodeRgb(syntheticHe(64, 64, 6), 'png');
    const truncated = png.subarray(0, Math.floor(png.length / 2));
    await assert.rejects(readRgb(truncated), CorruptInputError);
    await writeFile(join(dir, 'cut.png'), truncated);
    const r = await nucleilens(['segment', '--in', join(dir, 'cut.png'), '--out', join(dir, 'out.png'), ...MODEL]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^nucleilens segment: .*cut\.png: image could not be decoded/m);
    assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('nucleilens')).length, 1);
  });
});

test('a model file that is not ONNX, or a bad option, exits 2 with a one-line message', async () => {
  await inTemp(async (dir) => {
    await writeRgb(join(dir, 'he.png'), syntheticHe(32, 32, 7));
    await writeFile(join(dir, 'fake.onnx'), 'not a model');
    const bad = await nucleilens(['segment', '--in', join(dir, 'he.png'), '--out', join(dir, 'o.png'), '--model', join(dir, 'fake.onnx')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not an ONNX model/);
    const threshold = await nucleilens(['segment', '--in', join(dir, 'he.png'), '--out', join(dir, 'o.png'), '--mask-threshold', '3', ...MODEL]);
    assert.equal(threshold.code, 2);
    assert.match(threshold.stderr, /maskThreshold must be a number in \[0, 1\]/);
    const tile = await nucleilens(['segment', '--in', join(dir, 'he.png'), '--out', join(dir, 'o.png'), '--tile', '100', ...MODEL]);
    assert.equal(tile.code, 2);
    assert.match(tile.stderr, /tile must be a positive multiple of 32/);
  });
});

test('info reports versions, the provider that would run (cpu here) and why', async () => {
  const r = await nucleilens(['info', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { onnxruntimeNode: string; executionProvider: { running: string; fallbackReason: string | null }; threads: number; models: unknown[] };
  assert.match(info.onnxruntimeNode, /^\d+\.\d+\.\d+$/);
  assert.ok(info.threads >= 1);
  assert.ok(Array.isArray(info.models));
  if (info.executionProvider.running === 'cpu') assert.match(info.executionProvider.fallbackReason ?? '', /CUDA/);
  const text = await nucleilens(['info']);
  assert.match(text.stdout, /^provider {10}(cpu|cuda) \(requested auto\)$/m);
});

test('eval-monuseg scores a MoNuSeg-layout folder end to end (--json)', async () => {
  await inTemp(async (dir) => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'test', 'images'), { recursive: true });
    await mkdir(join(dir, 'test', 'annotations'));
    await writeRgb(join(dir, 'test', 'images', 'TCGA-HT-8564-01Z-00-DX1.png'), syntheticHe(96, 96, 8));
    const square = (x: number, y: number): string =>
      `<Region Id="1"><Vertices><Vertex X="${x}" Y="${y}"/><Vertex X="${x + 12}" Y="${y}"/><Vertex X="${x + 12}" Y="${y + 12}"/><Vertex X="${x}" Y="${y + 12}"/></Vertices></Region>`;
    await writeFile(
      join(dir, 'test', 'annotations', 'TCGA-HT-8564-01Z-00-DX1.xml'),
      `<Annotations><Annotation><Regions>${square(10, 10)}${square(50, 40)}</Regions></Annotation></Annotations>`,
    );
    const r = await nucleilens(['eval-monuseg', '--data', dir, '--json', ...MODEL]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      images: { image: string; organ: string; aji: number; nGt: number }[];
      organs: { organ: string; n: number }[];
      mean: { aji: number; dice: number; pq: number; f1: number };
      published: { aji: number }[];
    };
    assert.equal(out.images.length, 1);
    assert.deepEqual([out.images[0].organ, out.images[0].nGt], ['brain', 2]);
    assert.deepEqual(out.organs.map((o) => [o.organ, o.n]), [['brain', 1]]);
    for (const v of Object.values(out.mean)) assert.ok(v >= 0 && v <= 1);
    assert.deepEqual(out.published.map((p) => p.aji), [0.6907, 0.6587, 0.6189]);
  });
});
