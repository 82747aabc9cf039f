/**
 * `nucleilens eval`: scores predicted label images against ground truth (label images or
 * MoNuSeg XML outlines), per image and on average.
 */
import { readFile } from 'node:fs/promises';
import {
  InvalidArgumentError,
  NotFoundError,
  ShapeError,
  evaluate,
  parseAnnotationXml,
  rasterizePolygons,
  readLabels,
  type EvaluationScores,
  type LabelImage,
  type RasterizeRule,
} from '@nucleilens/pipeline';
import { requireString } from '../args.js';
import type { Command } from '../command.js';
import { filesByStem, isFolder, stemOf } from '../file-pairs.js';

const LABEL_EXTENSIONS = ['.png', '.tif', '.tiff'];
const SCORE_KEYS = ['aji', 'dice', 'pq', 'dq', 'sq', 'f1', 'precision', 'recall'] as const;
type ScoreKey = (typeof SCORE_KEYS)[number];

interface ImageResult extends EvaluationScores {
  readonly image: string;
}

/** Ground truth for one prediction, read lazily so only one image is in memory at a time. */
type GroundTruthSource = (path: string, size: { width: number; height: number }) => Promise<LabelImage>;

async function pairs(
  predArg: string,
  gtArg: string,
  gtExtensions: readonly string[],
): Promise<{ stem: string; pred: string; gt: string }[]> {
  const predIsFolder = await isFolder(predArg, '--pred');
  if ((await isFolder(gtArg, 'ground truth')) !== predIsFolder) {
    throw new InvalidArgumentError('--pred and the ground truth must both be files or both be folders');
  }
  if (!predIsFolder) return [{ stem: stemOf(predArg), pred: predArg, gt: gtArg }];
  const preds = await filesByStem(predArg, LABEL_EXTENSIONS, '--pred');
  const gts = await filesByStem(gtArg, gtExtensions, 'ground truth');
  if (preds.size === 0) throw new NotFoundError(`--pred: no label images (.png, .tif) in ${predArg}`);
  const out: { stem: string; pred: string; gt: string }[] = [];
  for (const [stem, pred] of preds) {
    const gt = gts.get(stem);
    if (gt === undefined) throw new NotFoundError(`no ground truth for ${stem} in ${gtArg}`);
    out.push({ stem, pred, gt });
  }
  const unscored = gts.size - out.length;
  if (unscored > 0) process.stderr.write(`eval: ${unscored} ground-truth file(s) have no prediction and are not scored\n`);
  return out;
}

function formatTable(rows: readonly ImageResult[], mean: Record<ScoreKey, number>): string {
  const name = Math.max(5, ...rows.map((r) => r.image.length));
  const head = `${'image'.padEnd(name)}  ${['AJI', 'Dice', 'PQ', 'F1'].map((h) => h.padStart(6)).join('  ')}  ${'nGt'.padStart(5)}  ${'nPred'.padStart(5)}`;
  const line = (label: string, s: Pick<EvaluationScores, 'aji' | 'dice' | 'pq' | 'f1'>, counts: string) =>
    `${label.padEnd(name)}  ${[s.aji, s.dice, s.pq, s.f1].map((v) => v.toFixed(4).padStart(6)).join('  ')}  ${counts}`;
  const lines = [head];
  for (const r of rows) lines.push(line(r.image, r, `${String(r.nGt).padStart(5)}  ${String(r.nPred).padStart(5)}`));
  lines.push(line('mean', mean, ''));
  return lines.join('\n') + '\n';
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Score label images against ground truth: AJI (MoNuSeg v1.0), Dice, PQ, F1 per image and mean',
  usage: 'nucleilens eval --pred DIR (--gt DIR | --gt-xml DIR) [--xml-rule poly2mask|pixel-centre] [--json]',
  options: {
    pred: { kind: 'string', description: 'predicted label image, or a folder of them (paired by file stem)', placeholder: 'DIR' },
    gt: { kind: 'string', description: 'ground-truth label image(s) (.png, .tif)', placeholder: 'DIR' },
    'gt-xml': { kind: 'string', description: 'ground-truth MoNuSeg / Aperio XML outline(s), rasterized here', placeholder: 'DIR' },
    'xml-rule': { kind: 'string', description: 'how XML outlines become pixels: poly2mask (MoNuSeg, default) or pixel-centre', placeholder: 'RULE' },
    json: { kind: 'flag', description: 'print JSON ({ images: [...], mean: {...} }) instead of a table' },
  },
  async run(args) {
    const predArg = requireString(args, 'pred');
    const gtDir = args.strings.get('gt');
    const xmlDir = args.strings.get('gt-xml');
    if ((gtDir === undefined) === (xmlDir === undefined)) {
      throw new InvalidArgumentError('give exactly one of --gt (label images) and --gt-xml (XML outlines)');
    }
    const rule = args.strings.get('xml-rule') ?? 'poly2mask';
    if (rule !== 'poly2mask' && rule !== 'pixel-centre') {
      throw new InvalidArgumentError(`--xml-rule must be poly2mask or pixel-centre, got "${rule}"`);
    }
    const list = xmlDir !== undefined ? await pairs(predArg, xmlDir, ['.xml']) : await pairs(predArg, gtDir as string, LABEL_EXTENSIONS);
    const loadGt: GroundTruthSource =
      xmlDir !== undefined
        ? async (path, size) => {
            const set = parseAnnotationXml(await readFile(path, 'utf8'));
            return rasterizePolygons(set.regions.map((r) => r.polygon), size.width, size.height, { rule: rule as RasterizeRule });
          }
        : (path) => readLabels(path);
    const rows: ImageResult[] = [];
    for (const { stem, pred, gt } of list) {
      const predLabels = await readLabels(pred);
      const gtLabels = await loadGt(gt, predLabels);
      if (gtLabels.width !== predLabels.width || gtLabels.height !== predLabels.height) {
        throw new ShapeError(
          `${stem}: ground truth is ${gtLabels.width}x${gtLabels.height} but prediction is ${predLabels.width}x${predLabels.height}`,
        );
      }
      rows.push({ image: stem, ...evaluate(gtLabels, predLabels) });
    }
    const mean = Object.fromEntries(
      SCORE_KEYS.map((k) => [k, rows.reduce((s, r) => s + r[k], 0) / rows.length]),
    ) as Record<ScoreKey, number>;
    if (args.flags.has('json')) {
      process.stdout.write(JSON.stringify({ images: rows, mean }, null, 2) + '\n');
    } else {
      process.stdout.write(formatTable(rows, mean));
    }
    return 0;
  },
};
