/**
 * Inference speed and memory, NucleiLens (onnxruntime-node) against PyTorch CPU on the same
 * network in the same command:
 *
 * 1. one 1000x1000 image (MoNuSeg TCGA-2Z-A9J9 when ../shared is there, else a synthetic
 *    one), median/min/max of 5 timed runs after one warm-up, in megapixels of the image per
 *    second: the network alone on the image reflect-padded to 1024x1024 in onnxruntime-node
 *    and in PyTorch (bench/torch_inference.py, /usr/bin/python3, same input tensor, outputs
 *    compared), then the product's tiled `predictImage` (512 tiles + 64 halo) without and
 *    with stain fitting;
 * 2. peak RSS of `nucleilens segment` (labels + GeoJSON) on a 4000x4000 image built by
 *    tiling the 1000x1000 one, run in a child process.
 *
 * Run: npm run bench:inference [-- --model NAME|PATH] [--checkpoint best.pt] [--side 4000]
 * [--runs 5] [--threads N]. The model defaults to models/default.json when installed, else
 * the test fixture (fast; the harness, not a figure to quote). PyTorch needs --checkpoint to
 * rebuild a trained model; without it the PyTorch side is skipped with a message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadModel,
  predictImage,
  readRgb,
  reflectWindow,
  resolveModel,
  writeNchwSlot,
  writeRgb,
  type RgbImage,
  type UsenetModel,
} from '@nucleilens/pipeline';
import { summarize, type Timing } from './timing.js';
import { runMain } from './run-main.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = join(REPO_ROOT, '../shared/data/monuseg/test/images/TCGA-2Z-A9J9-01A-01-TS1.png');
const FIXTURE = join(REPO_ROOT, 'test/fixtures/tiny-usenet.onnx');
const PYTHON = '/usr/bin/python3';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  await fn(); // warm-up, not counted
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return summarize(ms);
}

/** A deterministic stand-in when the MoNuSeg image is absent: pink with dark purple speckle. */
function syntheticImage(side: number): RgbImage {
  const data = new Uint8Array(side * side * 3);
  let s = 12345;
  for (let i = 0; i < side * side; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const dark = s % 7 === 0;
    data.set(dark ? [100, 60, 150] : [230, 155, 200], 3 * i);
  }
  return { width: side, height: side, data };
}

function tileImage(img: RgbImage, side: number): RgbImage {
  // Mirrored tiling (not a plain repeat) keeps the seams free of hard edges.
  return reflectWindow(img, 0, 0, side, side);
}

async function peakRss(args: readonly string[]): Promise<{ kb: number; seconds: number; stdout: string }> {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('peak-rss-runner.js', import.meta.url)), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`segment failed (${r.status}): ${r.stderr}`);
  const m = /PEAK_RSS_KB (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no PEAK_RSS_KB in: ${r.stderr}`);
  return { kb: Number(m[1]), seconds, stdout: r.stdout.trim() };
}

const fmt = (t: Timing, megapixels: number): string =>
  `${t.median.toFixed(0).padStart(6)} ms (min ${t.min.toFixed(0)}, max ${t.max.toFixed(0)})  ${(megapixels / (t.median / 1000)).toFixed(3)} MP/s`;

async function main(): Promise<number> {
  const runs = Number(option('runs') ?? 5);
  const threads = Number(option('threads') ?? availableParallelism());
  const bigSide = Number(option('side') ?? 4000);
  const modelArg = option('model') ?? (existsSync(join(REPO_ROOT, 'models/default.json')) ? 'default' : FIXTURE);
  const resolved = await resolveModel(modelArg);
  const model: UsenetModel = await loadModel(modelArg, { threads });
  const img = existsSync(IMAGE) ? await readRgb(IMAGE) : syntheticImage(1000);
  const megapixels = (img.width * img.height) / 1e6;
  console.log(
    `model ${model.card.name} (${model.card.arch}) ${model.onnxPath}\n` +
      `onnxruntime-node on ${model.provider}, ${threads} thread(s); load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}\n` +
      `image ${existsSync(IMAGE) ? 'TCGA-2Z-A9J9-01A-01-TS1' : 'synthetic'} ${img.width}x${img.height}, median of ${runs}`,
  );

  const m = model.card.input.sideMultiple;
  const side = Math.ceil(Math.max(img.width, img.height) / m) * m;
  const data = new Float32Array(3 * side * side);
  writeNchwSlot(reflectWindow(img, 0, 0, side, side), data, 0);
  let ortOut: Float32Array = new Float32Array(0);
  const ort = await timeRuns(runs, async () => {
    ortOut = await model.run({ data, n: 1, height: side, width: side });
  });
  const tiled = await timeRuns(runs, () => predictImage(model, img, { stain: 'none' }));
  const withStain = await timeRuns(runs, () => predictImage(model, img));

  let torch: Record<string, Timing> | undefined;
  let agreement = '';
  const dir = await mkdtemp(join(tmpdir(), 'nucleilens-bench-'));
  try {
    if (!existsSync(PYTHON)) {
      console.log(`PyTorch side skipped: ${PYTHON} not found`);
    } else if (resolved.cardPath === null) {
      console.log('PyTorch side skipped: the model has no card to rebuild it from');
    } else {
      await writeFile(join(dir, 'x.f32'), new Uint8Array(data.buffer));
      const pyArgs = [
        join(REPO_ROOT, 'bench/torch_inference.py'),
        '--card', resolved.cardPath,
        '--input', join(dir, 'x.f32'),
        '--shape', `1,3,${side},${side}`,
        '--output', join(dir, 'y.f32'),
        '--runs', String(runs),
        '--threads', String(threads),
      ];
      const checkpoint = option('checkpoint');
      if (checkpoint) pyArgs.push('--checkpoint', checkpoint);
      const py = spawnSync(PYTHON, pyArgs, { encoding: 'utf8' });
      if (py.status !== 0) {
        console.log(`PyTorch side skipped: ${py.stderr.trim().split('\n').pop()}`);
      } else {
        const out = JSON.parse(py.stdout) as { cases: Record<string, number[]>; torch: string };
        torch = Object.fromEntries(Object.entries(out.cases).map(([k, v]) => [`PyTorch ${out.torch} ${k}`, summarize(v)]));
        const bytes = await readFile(join(dir, 'y.f32'));
        const y = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
        let worst = 0;
        for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - ortOut[i]));
        agreement = `max |onnxruntime - PyTorch| over the ${y.length} output values: ${worst.toExponential(2)}`;
      }
    }

    console.log(`\n1) inference, ${img.width}x${img.height} image`);
    console.log(`  ${`onnxruntime-node, network on 1x3x${side}x${side}`.padEnd(48)} ${fmt(ort, megapixels)}`);
    for (const [name, t] of Object.entries(torch ?? {})) {
      console.log(`  ${`${name}, same input`.padEnd(48)} ${fmt(t, megapixels)}  ratio ort/torch ${(ort.median / t.median).toFixed(2)}`);
    }
    const tile = `${model.card.tile}+${model.card.halo}`;
    console.log(`  ${`predictImage, tiles ${tile}, no stain`.padEnd(48)} ${fmt(tiled, megapixels)}  ratio to whole ${(tiled.median / ort.median).toFixed(2)}`);
    console.log(`  ${`predictImage, tiles ${tile}, stain fit + norm.`.padEnd(48)} ${fmt(withStain, megapixels)}`);
    if (agreement) console.log(`  ${agreement}`);

    const cacheDir = join(REPO_ROOT, '.cache/bench');
    const bigPath = join(cacheDir, `he-${bigSide}.png`);
    if (!existsSync(bigPath)) {
      await mkdir(cacheDir, { recursive: true });
      await writeRgb(bigPath, tileImage(img, bigSide));
    }
    const segArgs = ['segment', '--in', bigPath, '--out', join(dir, 'labels.tif'), '--geojson', join(dir, 'nuclei.geojson'), '--model', model.onnxPath, '--threads', String(threads)];
    const rss = await peakRss(segArgs);
    console.log(`\n2) nucleilens segment on ${bigSide}x${bigSide} (labels + GeoJSON), one run`);
    console.log(`  peak RSS ${(rss.kb / 1024).toFixed(0)} MiB, ${rss.seconds.toFixed(1)} s wall`);
    console.log(`  ${rss.stdout}`);
    const rgbMiB = (bigSide * bigSide * 3) / 2 ** 20;
    console.log(`  for scale: the decoded RGB image is ${rgbMiB.toFixed(0)} MiB, each float32 probability map ${(rgbMiB * 4 / 3).toFixed(0)} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return 0;
}

runMain(main);
