/**
 * Post-processing + scoring of one 1000x1000 MoNuSeg reference pair, NucleiLens against the
 * same work in scikit-image (bench/skimage_postprocess.py, run with /usr/bin/python3) in the
 * same command. Prints median, min and max of 5 runs per recipe and the ratio of medians
 * (NucleiLens / scikit-image: below 1 is faster). Inputs are decoded once, outside the
 * timing, and handed to Python as raw arrays so both sides time the same work. The two
 * sides alternate run by run (one Python process per round, timing after a warm-up run), so
 * a change in machine load during the bench affects both alike.
 *
 * Run: npm run bench:post. Skips (exit 0) when ../shared/data/monuseg or python3 is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAnnotationXml, rasterizePolygons, readProbMapU8, type LabelImage, type ProbMapU8 } from '@nucleilens/pipeline';
import { evaluate } from '@nucleilens/pipeline/evaluate';
import { DEFAULT_PARAMS, PAPER_PARAMS, postprocess, type PostprocessParams } from '@nucleilens/pipeline/post';
import { summarize, type Timing } from './timing.js';
import { runMain } from './run-main.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MONUSEG = join(REPO_ROOT, '../shared/data/monuseg');
const PYTHON = '/usr/bin/python3';
const STEM = 'TCGA-2Z-A9J9-01A-01-TS1';
const RUNS = 5;

/** One timed post-processing + scoring run; returns [ms, AJI]. */
function runOurs(mask: ProbMapU8, marker: ProbMapU8, gt: LabelImage, params: PostprocessParams): [number, number] {
  const t0 = performance.now();
  const aji = evaluate(gt, postprocess(mask, marker, params)).aji;
  return [performance.now() - t0, aji];
}

interface PythonRound {
  paper: { ms: number[]; scores: { aji: number } };
  default: { ms: number[]; scores: { aji: number } };
}

function runPython(dir: string): PythonRound {
  const py = spawnSync(PYTHON, [join(REPO_ROOT, 'bench/skimage_postprocess.py'), dir, '1'], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`skimage_postprocess.py failed (${String(py.status)}): ${py.stderr}`);
  return JSON.parse(py.stdout) as PythonRound;
}

const fmt = (t: Timing): string => `${t.median.toFixed(1)} ms (min ${t.min.toFixed(1)}, max ${t.max.toFixed(1)})`;

async function main(): Promise<number> {
  const maskPath = join(MONUSEG, 'reference/use-net/mask', `${STEM}.png`);
  if (!existsSync(maskPath)) {
    console.log(`postprocess-vs-skimage: skipped, ${maskPath} not found (a fresh clone has no ../shared)`);
    return 0;
  }
  const mask = await readProbMapU8(maskPath);
  const marker = await readProbMapU8(join(MONUSEG, 'reference/use-net/marker', `${STEM}.png`));
  const set = parseAnnotationXml(await readFile(join(MONUSEG, 'test/annotations', `${STEM}.xml`), 'utf8'));
  const gt = rasterizePolygons(set.regions.map((r) => r.polygon), mask.width, mask.height, { rule: 'poly2mask' });

  const dir = await mkdtemp(join(tmpdir(), 'nucleilens-bench-'));
  try {
    await writeFile(join(dir, 'mask.u8'), mask.data);
    await writeFile(join(dir, 'marker.u8'), marker.data);
    await writeFile(join(dir, 'gt.i32'), new Uint8Array(gt.data.buffer, gt.data.byteOffset, gt.data.byteLength));
    await writeFile(join(dir, 'shape.json'), JSON.stringify({ width: mask.width, height: mask.height }));

    const recipes = { paper: PAPER_PARAMS, default: DEFAULT_PARAMS } as const;
    const ours = { paper: [] as number[], default: [] as number[] };
    const theirs = { paper: [] as number[], default: [] as number[] };
    const aji = { paper: [0, 0], default: [0, 0] };
    const python = existsSync(PYTHON);
    if (!python) console.log(`postprocess-vs-skimage: ${PYTHON} not found, NucleiLens side only`);
    for (const params of Object.values(recipes)) runOurs(mask, marker, gt, params); // warm-up
    for (let round = 0; round < RUNS; round++) {
      for (const [name, params] of Object.entries(recipes) as [keyof typeof recipes, PostprocessParams][]) {
        const [ms, a] = runOurs(mask, marker, gt, params);
        ours[name].push(ms);
        aji[name][0] = a;
      }
      if (!python) continue;
      const r = runPython(dir);
      for (const name of ['paper', 'default'] as const) {
        theirs[name].push(...r[name].ms);
        aji[name][1] = r[name].scores.aji;
      }
    }

    console.log(`post-processing + scoring, ${STEM} (${mask.width}x${mask.height}), median of ${RUNS}`);
    for (const name of ['paper', 'default'] as const) {
      const mine = summarize(ours[name]);
      console.log(`  ${name.padEnd(8)} nucleilens    ${fmt(mine)}  AJI ${aji[name][0].toFixed(4)}`);
      if (!python) continue;
      const ref = summarize(theirs[name]);
      console.log(`  ${name.padEnd(8)} scikit-image  ${fmt(ref)}  AJI ${aji[name][1].toFixed(4)}`);
      console.log(`  ${name.padEnd(8)} ratio (nucleilens / scikit-image, median): ${(mine.median / ref.median).toFixed(2)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return 0;
}

runMain(main);
