/**
 * measureNuclei on the MoNuSeg ground truth of one 1000x1000 test image, against
 * scikit-image's regionprops (bench/skimage_measure.py, /usr/bin/python3) computing the same
 * figures in the same command. Prints median, min and max of 5 runs each, the ratio of
 * medians (NucleiLens / scikit-image: below 1 is faster), and the largest difference per
 * figure, which checks that both sides measure the same thing (regionprops' centroid is at
 * pixel centres = ours - 0.5; orientation of isotropic regions differs between scikit-image
 * versions and is left out of that comparison).
 *
 * It also times measureNuclei on one compute tile as the tile server and the viewer see it
 * after a threshold change: a 640x640 crop of the authors' reference maps of the same image,
 * post-processed with PAPER_PARAMS (median of 9, shape only and with image + stain).
 *
 * Run: npm run bench:measure. Skips (exit 0) when ../shared/data/monuseg is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cropPlane,
  fitStain,
  parseAnnotationXml,
  rasterizePolygons,
  readProbMapU8,
  readRgb,
  type RgbImage,
  type StainParams,
} from '@nucleilens/pipeline';
import { measureNuclei, type MeasureOptions, type NucleusInstance } from '@nucleilens/pipeline/measure';
import { PAPER_PARAMS, postprocess } from '@nucleilens/pipeline/post';
import { summarize } from './timing.js';
import { runMain } from './run-main.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MONUSEG = join(REPO_ROOT, '../shared/data/monuseg');
const PYTHON = '/usr/bin/python3';
const STEM = 'TCGA-2Z-A9J9-01A-01-TS1';
const RUNS = 5;
const TILE = { x: 180, y: 180, side: 640 };
const TILE_RUNS = 9;

interface Region {
  label: number;
  area: number;
  perimeter: number;
  centroid: [number, number];
  bbox: [number, number, number, number];
  eccentricity: number;
  orientation: number;
}

function stats(ms: readonly number[]): string {
  const t = summarize(ms);
  return `median ${t.median.toFixed(1)} ms (min ${t.min.toFixed(1)}, max ${t.max.toFixed(1)})`;
}

function largestDifferences(ours: readonly NucleusInstance[], theirs: readonly Region[]): Record<string, number> {
  const byId = new Map(ours.map((n) => [n.id, n]));
  const worst: Record<string, number> = { area: 0, perimeter: 0, centroid: 0, bbox: 0, eccentricity: 0, orientation: 0 };
  const note = (key: string, d: number): void => {
    worst[key] = Math.max(worst[key], Math.abs(d));
  };
  for (const r of theirs) {
    const n = byId.get(r.label);
    if (!n) throw new Error(`label ${r.label} measured by scikit-image only`);
    note('area', n.area - r.area);
    note('perimeter', n.perimeter - r.perimeter);
    note('centroid', Math.max(Math.abs(n.centroid.y - 0.5 - r.centroid[0]), Math.abs(n.centroid.x - 0.5 - r.centroid[1])));
    const b = n.bbox;
    note('bbox', Math.max(...[b.y, b.x, b.y + b.height, b.x + b.width].map((v, i) => Math.abs(v - r.bbox[i]))));
    note('eccentricity', n.eccentricity - r.eccentricity);
    if (n.eccentricity > 1e-9) note('orientation', n.orientation - r.orientation);
  }
  return worst;
}

/** Times `runs` calls of `run` after one warm-up call (not counted). */
function timeRuns(run: () => void, runs: number): number[] {
  run();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
  }
  return ms;
}

/** measureNuclei on a post-processed compute tile (the figure the tile server's re-runs pay). */
async function benchTile(image: RgbImage, stain: StainParams): Promise<void> {
  const { x, y, side } = TILE;
  const crop = <T extends Uint8Array>(p: { width: number; height: number; data: T }) => cropPlane(p, x, y, side, side);
  const mask = crop(await readProbMapU8(join(MONUSEG, 'reference/use-net/mask', `${STEM}.png`)));
  const marker = crop(await readProbMapU8(join(MONUSEG, 'reference/use-net/marker', `${STEM}.png`)));
  const labels = postprocess(mask, marker, PAPER_PARAMS);
  const tileImage: RgbImage = { width: side, height: side, data: new Uint8Array(side * side * 3) };
  for (let r = 0; r < side; r++) {
    const src = 3 * ((y + r) * image.width + x);
    tileImage.data.set(image.data.subarray(src, src + 3 * side), 3 * r * side);
  }
  const variants: Record<string, MeasureOptions> = { 'shape only': {}, 'with image + stain': { image: tileImage, stain } };
  const count = measureNuclei(labels).length;
  console.log(`measureNuclei, ${side}x${side} tile at (${x}, ${y}) of the reference maps, PAPER_PARAMS (${count} nuclei), ${TILE_RUNS} runs`);
  for (const [name, opts] of Object.entries(variants)) {
    console.log(`  nucleilens ${name.padEnd(20)} ${stats(timeRuns(() => measureNuclei(labels, opts), TILE_RUNS))}`);
  }
}

async function main(): Promise<number> {
  const xml = join(MONUSEG, 'test/annotations', `${STEM}.xml`);
  if (!existsSync(xml)) {
    console.log(`measure-vs-skimage: skipped, ${xml} not found (a fresh clone has no ../shared)`);
    return 0;
  }
  const image = await readRgb(join(MONUSEG, 'test/images', `${STEM}.png`));
  const set = parseAnnotationXml(await readFile(xml, 'utf8'));
  const labels = rasterizePolygons(set.regions.map((r) => r.polygon), image.width, image.height);
  const stain = fitStain(image);
  const variants = { 'shape only': {}, 'with image + stain': { image, stain } } as const;
  console.log(`measureNuclei, ${STEM} ground truth (${labels.width}x${labels.height}, ${set.regions.length} nuclei), ${RUNS} runs`);
  const shapeOnlyMs: number[] = [];
  let ours: NucleusInstance[] = [];
  for (const [name, opts] of Object.entries(variants)) {
    const ms = timeRuns(() => {
      ours = measureNuclei(labels, opts);
    }, RUNS);
    if (name === 'shape only') shapeOnlyMs.push(...ms);
    console.log(`  nucleilens ${name.padEnd(20)} ${stats(ms)}`);
  }
  await benchTile(image, stain);
  if (!existsSync(PYTHON)) {
    console.log(`  ${PYTHON} not found: NucleiLens side only`);
    return 0;
  }
  const dir = await mkdtemp(join(tmpdir(), 'nucleilens-bench-measure-'));
  try {
    await writeFile(join(dir, 'labels.i32'), new Uint8Array(labels.data.buffer, labels.data.byteOffset, labels.data.byteLength));
    await writeFile(join(dir, 'shape.json'), JSON.stringify({ width: labels.width, height: labels.height }));
    const py = spawnSync(PYTHON, [join(REPO_ROOT, 'bench/skimage_measure.py'), dir, String(RUNS)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (py.status !== 0) {
      console.log(`  scikit-image side unavailable (${py.status}): ${py.stderr.trim().split('\n').pop()}`);
      return 0;
    }
    const theirs = JSON.parse(py.stdout) as { ms: number[]; regions: Region[] };
    console.log(`  ${'scikit-image regionprops'.padEnd(31)} ${stats(theirs.ms)}`);
    const ratio = summarize(shapeOnlyMs).median / summarize(theirs.ms).median;
    console.log(`  ratio (nucleilens shape only / scikit-image, median): ${ratio.toFixed(2)}`);
    const worst = largestDifferences(ours, theirs.regions);
    console.log(`  regions: ${ours.length} ours, ${theirs.regions.length} scikit-image; largest |difference|:`);
    for (const [key, d] of Object.entries(worst)) console.log(`    ${key.padEnd(13)} ${d.toExponential(2)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return 0;
}

runMain(main);
