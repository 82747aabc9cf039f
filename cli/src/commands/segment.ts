/**
 * `nucleilens segment`: nuclei instance segmentation of one image or a folder of images,
 * end to end (stain normalization, tiled USE-Net inference, post-processing, measurement),
 * writing label images and optionally QuPath GeoJSON and the probability maps.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InvalidArgumentError,
  NotFoundError,
  planTileGrid,
  readRgb,
  segment,
  toGeoJson,
  toProbU8,
  writeGrey8,
  writeLabels,
  type UsenetModel,
} from '@nucleilens/pipeline';
import { requireString, type ParsedArgs } from '../args.js';
import type { Command } from '../command.js';
import { filesByStem, isFolder, stemOf } from '../file-pairs.js';
import { MODEL_OPTIONS, loadModelFromArgs, postprocessParamsFromArgs, tilingFromArgs } from '../model-options.js';
import { createProgressBar, type ProgressBar } from '../progress-bar.js';
import { SLIDE_OPTIONS, segmentSlide } from '../segment-slide.js';

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp'];
const MAX_PNG_LABEL = 0xffff;

interface Job {
  readonly stem: string;
  readonly input: string;
  readonly labelsOut: string;
  readonly geojsonOut?: string;
}

async function isExistingFolder(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function planJobs(inArg: string, outArg: string, geojsonArg: string | undefined): Promise<Job[]> {
  if (!(await isFolder(inArg, '--in'))) {
    const stem = stemOf(inArg);
    const outIsDir = outArg.endsWith('/') || (await isExistingFolder(outArg));
    const geoIsDir = geojsonArg !== undefined && (geojsonArg.endsWith('/') || (await isExistingFolder(geojsonArg)));
    return [
      {
        stem,
        input: inArg,
        labelsOut: outIsDir ? join(outArg, `${stem}.png`) : outArg,
        geojsonOut: geojsonArg === undefined ? undefined : geoIsDir ? join(geojsonArg, `${stem}.geojson`) : geojsonArg,
      },
    ];
  }
  const files = await filesByStem(inArg, IMAGE_EXTENSIONS, '--in');
  if (files.size === 0) throw new NotFoundError(`--in: no images (${IMAGE_EXTENSIONS.join(', ')}) in ${inArg}`);
  return [...files].map(([stem, input]) => ({
    stem,
    input,
    labelsOut: join(outArg, `${stem}.png`),
    geojsonOut: geojsonArg === undefined ? undefined : join(geojsonArg, `${stem}.geojson`),
  }));
}

// Below this many tiles (or with a single file) a bar would only add noise.
const BAR_MIN_TILES = 5;

async function runJob(model: UsenetModel, job: Job, args: ParsedArgs, filesBar: ProgressBar | undefined, index: number, total: number): Promise<string> {
  const rgb = await readRgb(job.input);
  const { tile, halo } = tilingFromArgs(model, args);
  const tiles = planTileGrid(rgb.width, rgb.height, tile, halo, model.card.input.sideMultiple).cores.length;
  const tilesBar = filesBar ? undefined : createProgressBar('tiles', tiles >= BAR_MIN_TILES);
  const result = await segment(model, rgb, {
    tile,
    halo,
    postprocess: postprocessParamsFromArgs(model, args),
    micronsPerPixel: args.numbers.get('mpp'),
    measure: job.geojsonOut !== undefined,
    onProgress: (p) =>
      tilesBar ? tilesBar.update(p.done, p.total, job.stem) : filesBar?.update(index + p.done / p.total, total, job.stem),
  });
  tilesBar?.finish();
  let labelsOut = job.labelsOut;
  const count = result.nuclei.length || countIds(result.labels.data);
  // A 16-bit PNG holds 65535 ids; past that (large images in folder mode) write a TIFF.
  if (count > MAX_PNG_LABEL && labelsOut.endsWith('.png') && total > 1) labelsOut = labelsOut.replace(/\.png$/, '.tif');
  await writeLabels(labelsOut, result.labels);
  if (job.geojsonOut !== undefined) {
    await writeFile(job.geojsonOut, JSON.stringify(toGeoJson(result.nuclei, { idNamespace: job.stem })));
  }
  const probsDir = args.strings.get('save-probs');
  if (probsDir !== undefined) {
    await writeGrey8(join(probsDir, `${job.stem}.mask.png`), toProbU8(result.mask));
    await writeGrey8(join(probsDir, `${job.stem}.marker.png`), toProbU8(result.marker));
  }
  const t = result.timings;
  return (
    `${job.stem}: ${count} nuclei in ${rgb.width}x${rgb.height} (${result.tiles} tiles; ` +
    `predict ${(t.predictMs / 1000).toFixed(2)} s, post-process ${(t.postprocessMs / 1000).toFixed(2)} s` +
    (job.geojsonOut !== undefined ? `, measure ${(t.measureMs / 1000).toFixed(2)} s` : '') +
    `) -> ${labelsOut}`
  );
}

function countIds(labels: Int32Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return max;
}

export const segmentCommand: Command = {
  name: 'segment',
  summary: 'Segment nuclei in an H&E image or a folder of images (labels, optional GeoJSON and probability maps)',
  usage:
    'nucleilens segment --in IMAGE|DIR --out FILE|DIR [--model NAME|PATH] [--recipe paper|default] ' +
    '[--mask-threshold T] [--marker-threshold T] [--geojson FILE|DIR] [--save-probs DIR] [--threads N]\n' +
    '       nucleilens segment --slide FILE [--geojson FILE] [--csv FILE] [--cache-dir DIR] [model options]',
  options: {
    in: {
      kind: 'string',
      description: 'H&E image (.png .jpg .tif .webp) or a folder of them; RGBA is composited over white, greyscale replicated to RGB',
      placeholder: 'IMAGE|DIR',
    },
    out: { kind: 'string', description: 'label image to write (16-bit PNG, or .tif), or a folder for <stem>.png', placeholder: 'FILE|DIR' },
    geojson: { kind: 'string', description: 'also write the nuclei with measurements as QuPath GeoJSON (file, or folder in folder mode)', placeholder: 'FILE|DIR' },
    'save-probs': { kind: 'string', description: 'also write <stem>.mask.png and <stem>.marker.png (probability x 255) here', placeholder: 'DIR' },
    mpp: { kind: 'number', description: 'microns per pixel of the input, for µm measurements in the GeoJSON', placeholder: 'UM' },
    ...MODEL_OPTIONS,
    ...SLIDE_OPTIONS,
  },
  async run(args) {
    if (args.strings.has('slide')) return segmentSlide(args);
    const inArg = requireString(args, 'in');
    const outArg = requireString(args, 'out');
    const geojsonArg = args.strings.get('geojson');
    const jobs = await planJobs(inArg, outArg, geojsonArg);
    if (jobs.length > 1) {
      await mkdir(outArg, { recursive: true });
      if (geojsonArg !== undefined) await mkdir(geojsonArg, { recursive: true });
    } else if (jobs[0].labelsOut === inArg) {
      throw new InvalidArgumentError(`--out would overwrite the input ${inArg}`);
    }
    const probsDir = args.strings.get('save-probs');
    if (probsDir !== undefined) await mkdir(probsDir, { recursive: true });
    const model = await loadModelFromArgs(args);
    // Validate the post-processing options before the first (slow) network pass.
    postprocessParamsFromArgs(model, args);
    process.stderr.write(`segment: model ${model.card.name} (${model.card.arch}) on ${model.provider}, ${model.threads} thread(s)\n`);
    const filesBar = jobs.length > 1 ? createProgressBar('images', true) : undefined;
    for (const [i, job] of jobs.entries()) {
      const line = await runJob(model, job, args, filesBar, i, jobs.length);
      filesBar?.clear();
      process.stdout.write(`${line}\n`);
      filesBar?.update(i + 1, jobs.length, job.stem);
    }
    filesBar?.finish();
    return 0;
  },
};
