/**
 * `nucleilens calibrate`: chooses a model's post-processing thresholds on labelled images
 * the model did not train on (for the shipped model: the validation images held out of the
 * MoNuSeg training set), never on test images. The network runs once per image; the sweep
 * re-runs post-processing only, so a grid of dozens of settings costs seconds.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InvalidArgumentError,
  NotFoundError,
  evaluate,
  parseAnnotationXml,
  postprocess,
  predictImage,
  rasterizePolygons,
  readRgb,
  resolvePostprocessParams,
  type LabelImage,
  type PostprocessParams,
  type ProbMapF32,
} from '@nucleilens/pipeline';
import type { Command } from '../command.js';
import { filesByStem } from '../file-pairs.js';
import { MODEL_OPTIONS, loadModelFromArgs, tilingFromArgs } from '../model-options.js';
import { createProgressBar } from '../progress-bar.js';

interface Case {
  readonly stem: string;
  readonly mask: ProbMapF32;
  readonly marker: ProbMapF32;
  readonly gt: LabelImage;
}

interface GridPoint {
  readonly recipe: string;
  readonly maskThreshold: number;
  readonly markerThreshold: number;
  readonly dilateRadius: number;
  readonly meanAji: number;
  readonly perImage: readonly number[];
}

function parseList(text: string | undefined, fallback: readonly number[], name: string): number[] {
  if (text === undefined) return [...fallback];
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v < 0 || v > 1)) {
    throw new InvalidArgumentError(`--${name} must be comma-separated numbers in [0, 1], got "${text}"`);
  }
  return values;
}

const DEFAULT_GRID = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

export const calibrateCommand: Command = {
  name: 'calibrate',
  summary: "Choose a model's post-processing thresholds on held-out labelled images (never test images)",
  usage:
    'nucleilens calibrate --images DIR --gt-xml DIR [--only STEM,...] [--recipes default,paper] ' +
    '[--mask-thresholds 0.3,0.5] [--marker-thresholds 0.3,0.5] [--write-card] [--json] [--model NAME|PATH]',
  options: {
    images: { kind: 'string', description: 'folder of RGB images (raw; normalized as segment does)', placeholder: 'DIR' },
    'gt-xml': { kind: 'string', description: 'folder of MoNuSeg-style XML outlines with the same stems', placeholder: 'DIR' },
    only: { kind: 'string', description: 'comma-separated stems to use (e.g. the training run\'s validation split)', placeholder: 'STEMS' },
    recipes: { kind: 'string', description: 'recipes to sweep (default: default,paper)', placeholder: 'LIST' },
    'mask-thresholds': { kind: 'string', description: `mask thresholds to sweep (default: ${DEFAULT_GRID.join(',')})`, placeholder: 'LIST' },
    'marker-thresholds': { kind: 'string', description: `marker thresholds to sweep (default: ${DEFAULT_GRID.join(',')})`, placeholder: 'LIST' },
    'dilate-radii': { kind: 'string', description: 'final dilation radii to sweep, px (default: the recipe\'s own)', placeholder: 'LIST' },
    'write-card': { kind: 'flag', description: "store the best setting in the model card's thresholds (with the calibration record)" },
    json: { kind: 'flag', description: 'print the whole grid as JSON' },
    ...MODEL_OPTIONS,
  },
  async run(args) {
    const imagesDir = args.strings.get('images');
    const xmlDir = args.strings.get('gt-xml');
    if (!imagesDir || !xmlDir) throw new InvalidArgumentError('calibrate needs --images DIR and --gt-xml DIR');
    const images = await filesByStem(imagesDir, ['.png', '.tif', '.tiff', '.jpg', '.jpeg'], '--images');
    const only = args.strings.get('only')?.split(',').map((s) => s.trim()).filter(Boolean);
    const stems = (only ?? [...images.keys()]).filter((s) => images.has(s));
    if (only) for (const s of only) if (!images.has(s)) throw new NotFoundError(`--only: no image with stem ${s} in ${imagesDir}`);
    if (stems.length === 0) throw new NotFoundError(`no images to calibrate on in ${imagesDir}`);
    const recipes = (args.strings.get('recipes') ?? 'default,paper').split(',').map((s) => s.trim());
    for (const r of recipes) resolvePostprocessParams(r); // validates the names before any work
    const maskGrid = parseList(args.strings.get('mask-thresholds'), DEFAULT_GRID, 'mask-thresholds');
    const markerGrid = parseList(args.strings.get('marker-thresholds'), DEFAULT_GRID, 'marker-thresholds');
    const radiiText = args.strings.get('dilate-radii');
    const radii: (number | undefined)[] = radiiText === undefined ? [undefined] : radiiText.split(',').map((s) => Number(s.trim()));
    if (radii.some((r) => r !== undefined && !(Number.isInteger(r) && r >= 0))) {
      throw new InvalidArgumentError(`--dilate-radii must be comma-separated non-negative integers, got "${radiiText}"`);
    }

    const model = await loadModelFromArgs(args);
    const { tile, halo } = tilingFromArgs(model, args);
    const bar = createProgressBar('inference', true);
    const cases: Case[] = [];
    for (const stem of stems) {
      const rgb = await readRgb(images.get(stem)!);
      const xmlPath = join(xmlDir, `${stem}.xml`);
      const xml = await readFile(xmlPath, 'utf8').catch((err: unknown) => {
        throw new NotFoundError(`no annotation ${xmlPath} for ${stem}`, { cause: err });
      });
      const gt = rasterizePolygons(parseAnnotationXml(xml).regions.map((r) => r.polygon), rgb.width, rgb.height, { rule: 'poly2mask' });
      const { mask, marker } = await predictImage(model, rgb, {
        tile,
        halo,
        onProgress: (p) => bar.update(cases.length + p.done / p.total, stems.length, stem),
      });
      cases.push({ stem, mask, marker, gt });
    }
    bar.finish();

    const grid: GridPoint[] = [];
    const started = performance.now();
    for (const recipe of recipes) {
      for (const maskThreshold of maskGrid) {
        for (const markerThreshold of markerGrid) {
          for (const radius of radii) {
            const params = resolvePostprocessParams(recipe, { maskThreshold, markerThreshold, dilateRadius: radius });
            const perImage = cases.map((c) => evaluate(c.gt, postprocess(c.mask, c.marker, params)).aji);
            grid.push({
              recipe,
              maskThreshold,
              markerThreshold,
              dilateRadius: params.dilateRadius,
              perImage,
              meanAji: perImage.reduce((s, v) => s + v, 0) / perImage.length,
            });
          }
        }
      }
    }
    const sweepSeconds = (performance.now() - started) / 1000;
    const best = grid.reduce((a, b) => (b.meanAji > a.meanAji ? b : a));
    const chosen: PostprocessParams = resolvePostprocessParams(best.recipe, {
      maskThreshold: best.maskThreshold,
      markerThreshold: best.markerThreshold,
      dilateRadius: best.dilateRadius,
    });

    if (args.flags.has('json')) {
      process.stdout.write(JSON.stringify({ model: model.card.name, images: stems, grid, best, chosen, sweepSeconds }, null, 2) + '\n');
    } else {
      const lines = [`calibration of ${model.card.name} on ${stems.length} image(s): ${stems.join(', ')}`];
      for (const recipe of recipes) {
        for (const radius of new Set(grid.filter((g) => g.recipe === recipe).map((g) => g.dilateRadius))) {
          lines.push('', `recipe ${recipe}, dilation ${radius} px: mean AJI (rows: mask threshold, columns: marker threshold)`);
          lines.push(`${'mask\\marker'.padEnd(12)}${markerGrid.map((t) => t.toFixed(2).padStart(8)).join('')}`);
          for (const mt of maskGrid) {
            const row = markerGrid.map(
              (kt) => grid.find((g) => g.recipe === recipe && g.dilateRadius === radius && g.maskThreshold === mt && g.markerThreshold === kt)!,
            );
            lines.push(`${mt.toFixed(2).padEnd(12)}${row.map((g) => g.meanAji.toFixed(4).padStart(8)).join('')}`);
          }
        }
      }
      lines.push(
        '',
        `best: recipe ${best.recipe}, mask > ${best.maskThreshold}, marker > ${best.markerThreshold}, dilation ${best.dilateRadius} px: ` +
          `mean AJI ${best.meanAji.toFixed(4)}`,
        `(${grid.length} settings swept in ${sweepSeconds.toFixed(1)} s without re-running the network)`,
      );
      process.stdout.write(lines.join('\n') + '\n');
    }

    if (args.flags.has('write-card')) {
      const cardPath = model.onnxPath.replace(/\.onnx$/, '.json');
      const card = JSON.parse(await readFile(cardPath, 'utf8')) as Record<string, unknown>;
      const previous = (card.thresholds ?? {}) as Record<string, unknown>;
      card.thresholds = {
        ...previous,
        recipe: chosen.recipe,
        mask: chosen.maskThreshold,
        marker: chosen.markerThreshold,
        minMaskArea: chosen.minNucleusArea,
        minMarkerArea: chosen.minMarkerArea,
        dilateRadius: chosen.dilateRadius,
      };
      card.calibration = {
        images: stems,
        note: 'thresholds chosen by mean AJI on these held-out training images; no test image was used',
        recipes,
        maskThresholds: maskGrid,
        markerThresholds: markerGrid,
        dilateRadii: [...new Set(grid.map((g) => g.dilateRadius))],
        bestMeanAji: Number(best.meanAji.toFixed(4)),
      };
      await writeFile(cardPath, JSON.stringify(card, null, 2) + '\n');
      process.stderr.write(`wrote thresholds to ${cardPath}\n`);
    }
    return 0;
  },
};
