/**
 * `nucleilens eval-monuseg`: the MoNuSeg 2018 test set end to end. Each of the 14 images is
 * segmented exactly as `nucleilens segment` does, its XML outlines are rasterized with
 * MATLAB's poly2mask rule (the official ground-truth convention; see the data README), and
 * the labels are scored (AJI v1.0, Dice, PQ, F1) per image, per organ and on average, next
 * to the published figures.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NotFoundError,
  ShapeError,
  evaluate,
  parseAnnotationXml,
  rasterizePolygons,
  readRgb,
  segment,
  type EvaluationScores,
} from '@nucleilens/pipeline';
import type { Command } from '../command.js';
import { filesByStem } from '../file-pairs.js';
import { MODEL_OPTIONS, loadModelFromArgs, postprocessParamsFromArgs, tilingFromArgs } from '../model-options.js';
import { MONUSEG_TEST_ORGANS, PUBLISHED_MEAN_AJI } from '../monuseg-test-set.js';
import { createProgressBar } from '../progress-bar.js';

const SCORES = ['aji', 'dice', 'pq', 'f1'] as const;
type Score = (typeof SCORES)[number];
type Means = Record<Score, number>;

interface ImageRow extends Pick<EvaluationScores, Score | 'nGt' | 'nPred'> {
  readonly image: string;
  readonly organ: string;
  readonly seconds: number;
}

/** ../shared/data/monuseg beside the repository this CLI is installed in (not the working directory). */
function defaultDataDir(): string {
  return fileURLToPath(new URL('../../../../shared/data/monuseg', import.meta.url));
}

async function testDir(data: string): Promise<string> {
  for (const dir of [join(data, 'test'), data]) {
    if (await access(join(dir, 'images')).then(() => true, () => false)) return dir;
  }
  throw new NotFoundError(`--data: no test/images or images folder under ${data}`);
}

function mean(rows: readonly ImageRow[]): Means {
  return Object.fromEntries(SCORES.map((k) => [k, rows.reduce((s, r) => s + r[k], 0) / rows.length])) as Means;
}

function formatReport(rows: readonly ImageRow[], organs: readonly { organ: string; n: number; mean: Means }[], overall: Means): string {
  const w = Math.max(24, ...rows.map((r) => r.image.length));
  const cols = (m: Means): string => SCORES.map((k) => m[k].toFixed(4).padStart(7)).join('');
  const head = (label: string): string => `${label.padEnd(w)}${['AJI', 'Dice', 'PQ', 'F1'].map((h) => h.padStart(7)).join('')}`;
  const lines = [`${head('image')} ${'organ'.padEnd(9)} ${'nGt'.padStart(5)} ${'nPred'.padStart(5)} ${'s'.padStart(5)}`];
  for (const r of rows) {
    lines.push(`${r.image.padEnd(w)}${cols(r)} ${r.organ.padEnd(9)} ${String(r.nGt).padStart(5)} ${String(r.nPred).padStart(5)} ${r.seconds.toFixed(1).padStart(5)}`);
  }
  lines.push('', head('organ (images)'));
  for (const o of organs) lines.push(`${`${o.organ} (${o.n})`.padEnd(w)}${cols(o.mean)}`);
  lines.push(`${`mean (${rows.length})`.padEnd(w)}${cols(overall)}`, '', 'published mean AJI on the same 14 images:');
  for (const p of PUBLISHED_MEAN_AJI) lines.push(`  ${p.aji.toFixed(4)}  ${p.method} (${p.source})`);
  lines.push(`  ${overall.aji.toFixed(4)}  this run`);
  return lines.join('\n') + '\n';
}

export const evalMonusegCommand: Command = {
  name: 'eval-monuseg',
  summary: 'Segment the 14 MoNuSeg 2018 test images and score them (AJI, Dice, PQ, F1) per image, per organ and on average',
  usage: 'nucleilens eval-monuseg [--model NAME|PATH] [--recipe paper|default] [--data DIR] [--json]',
  options: {
    data: { kind: 'string', description: 'MoNuSeg folder with test/images and test/annotations (default: ../shared/data/monuseg beside the repository)', placeholder: 'DIR' },
    json: { kind: 'flag', description: 'print JSON ({ model, params, images, organs, mean, published })' },
    ...MODEL_OPTIONS,
  },
  async run(args) {
    const dir = await testDir(args.strings.get('data') ?? defaultDataDir());
    const images = await filesByStem(join(dir, 'images'), ['.png', '.tif', '.tiff'], '--data images');
    if (images.size === 0) throw new NotFoundError(`--data: no images in ${join(dir, 'images')}`);
    const model = await loadModelFromArgs(args);
    const params = postprocessParamsFromArgs(model, args);
    const { tile, halo } = tilingFromArgs(model, args);
    process.stderr.write(
      `eval-monuseg: model ${model.card.name} (${model.card.arch}) on ${model.provider}, ${model.threads} thread(s), recipe ${params.recipe} ` +
        `(mask > ${params.maskThreshold}, marker > ${params.markerThreshold})\n`,
    );
    const bar = createProgressBar('images', true);
    const rows: ImageRow[] = [];
    for (const [stem, path] of images) {
      const xmlPath = join(dir, 'annotations', `${stem}.xml`);
      const xml = await readFile(xmlPath, 'utf8').catch((err: unknown) => {
        throw new NotFoundError(`no annotation ${xmlPath} for ${stem}`, { cause: err });
      });
      const start = performance.now();
      const rgb = await readRgb(path);
      const result = await segment(model, rgb, {
        tile,
        halo,
        postprocess: params,
        measure: false,
        onProgress: (p) => bar.update(rows.length + p.done / p.total, images.size, stem),
      });
      const seconds = (performance.now() - start) / 1000;
      const gt = rasterizePolygons(parseAnnotationXml(xml).regions.map((r) => r.polygon), rgb.width, rgb.height, { rule: 'poly2mask' });
      if (gt.width !== result.labels.width || gt.height !== result.labels.height) {
        throw new ShapeError(`${stem}: ground truth is ${gt.width}x${gt.height} but labels are ${result.labels.width}x${result.labels.height}`);
      }
      const s = evaluate(gt, result.labels);
      const organ = MONUSEG_TEST_ORGANS[stem]?.organ ?? 'unknown';
      rows.push({ image: stem, organ, aji: s.aji, dice: s.dice, pq: s.pq, f1: s.f1, nGt: s.nGt, nPred: s.nPred, seconds });
      bar.update(rows.length, images.size, stem);
    }
    bar.finish();
    const organNames = [...new Set(rows.map((r) => r.organ))].sort();
    const organs = organNames.map((organ) => {
      const of = rows.filter((r) => r.organ === organ);
      return { organ, n: of.length, mean: mean(of) };
    });
    const overall = mean(rows);
    if (args.flags.has('json')) {
      const modelInfo = { name: model.card.name, arch: model.card.arch, onnx: model.onnxPath, provider: model.provider, threads: model.threads, tile, halo };
      process.stdout.write(JSON.stringify({ model: modelInfo, params, images: rows, organs, mean: overall, published: PUBLISHED_MEAN_AJI }, null, 2) + '\n');
    } else {
      process.stdout.write(formatReport(rows, organs, overall));
    }
    return 0;
  },
};
