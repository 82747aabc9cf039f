/**
 * `nucleilens postprocess`: instance labels from the network's two probability maps, for
 * one pair of images or for every same-named pair in two folders, in one process.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ELEVATION_KINDS,
  InvalidArgumentError,
  NotFoundError,
  countLabels,
  measureNuclei,
  postprocess,
  readProbMapU8,
  resolvePostprocessParams,
  toGeoJson,
  writeLabels,
  type ElevationKind,
  type LabelImage,
  type PostprocessParams,
} from '@nucleilens/pipeline';
import type { ParsedArgs } from '../args.js';
import { requireString } from '../args.js';
import type { Command } from '../command.js';
import { filesByStem, isFolder, stemOf } from '../file-pairs.js';
import { checkOutputPath, writeTextFile } from '../output-file.js';

const PROB_EXTENSIONS = ['.png', '.tif', '.tiff'];

function paramsFrom(args: ParsedArgs): PostprocessParams {
  const elevation = args.strings.get('elevation');
  if (elevation !== undefined && !(ELEVATION_KINDS as readonly string[]).includes(elevation)) {
    throw new InvalidArgumentError(`--elevation must be one of ${ELEVATION_KINDS.join(', ')}, got "${elevation}"`);
  }
  return resolvePostprocessParams(args.strings.get('recipe') ?? 'default', {
    maskThreshold: args.numbers.get('mask-threshold'),
    markerThreshold: args.numbers.get('marker-threshold'),
    minNucleusArea: args.numbers.get('min-area'),
    minMarkerArea: args.numbers.get('min-marker-area'),
    maxHoleArea: args.numbers.get('max-hole'),
    dilateRadius: args.numbers.get('dilate'),
    elevation: elevation as ElevationKind | undefined,
  });
}

async function writeGeoJson(path: string, labels: LabelImage, stem: string): Promise<void> {
  const collection = toGeoJson(measureNuclei(labels), { idNamespace: stem });
  await writeTextFile(path, JSON.stringify(collection), '--geojson');
}

async function processPair(
  maskPath: string,
  markerPath: string,
  params: PostprocessParams,
): Promise<{ labels: LabelImage; ms: number }> {
  const [mask, marker] = await Promise.all([readProbMapU8(maskPath), readProbMapU8(markerPath)]);
  const t0 = performance.now();
  try {
    const labels = postprocess(mask, marker, params);
    return { labels, ms: performance.now() - t0 };
  } catch (err) {
    if (err instanceof Error) err.message = `${stemOf(maskPath)}: ${err.message}`;
    throw err;
  }
}

export const postprocessCommand: Command = {
  name: 'postprocess',
  summary: 'Instance labels (16-bit PNG) from mask and marker probability maps, one pair or two folders',
  usage:
    'nucleilens postprocess --mask M --marker K --out OUT [--recipe paper|default] [--mask-threshold T] ' +
    '[--marker-threshold T] [--min-area N] [--min-marker-area N] [--max-hole N] [--dilate R] ' +
    '[--elevation KIND] [--geojson FILE]',
  options: {
    mask: { kind: 'string', description: 'nucleus probability map (uint8 PNG, p x 255), or a folder of them', placeholder: 'M' },
    marker: { kind: 'string', description: 'shape-marker probability map, or a folder with the same file names', placeholder: 'K' },
    out: { kind: 'string', description: 'label image to write (.png, or .tif past 65535 nuclei), or a folder', placeholder: 'OUT' },
    recipe: { kind: 'string', description: 'paper (the USE-Net authors\' MATLAB recipe) or default', placeholder: 'NAME' },
    'mask-threshold': { kind: 'number', description: 'mask probability threshold in [0, 1] (strictly above)', placeholder: 'T' },
    'marker-threshold': { kind: 'number', description: 'marker probability threshold in [0, 1]', placeholder: 'T' },
    'min-area': { kind: 'number', description: 'drop nucleus objects under N px', placeholder: 'N' },
    'min-marker-area': { kind: 'number', description: 'drop marker objects under N px', placeholder: 'N' },
    'max-hole': { kind: 'number', description: 'fill holes under N px', placeholder: 'N' },
    dilate: { kind: 'number', description: 'grow every nucleus by a disk of radius R px at the end', placeholder: 'R' },
    elevation: { kind: 'string', description: `surface the watershed floods: ${ELEVATION_KINDS.join(', ')}`, placeholder: 'KIND' },
    geojson: { kind: 'string', description: 'also write the nuclei as QuPath GeoJSON (a folder in folder mode)', placeholder: 'FILE' },
  },
  async run(args) {
    const maskArg = requireString(args, 'mask');
    const markerArg = requireString(args, 'marker');
    const out = requireString(args, 'out');
    const geojson = args.strings.get('geojson');
    const params = paramsFrom(args);
    const folderMode = await isFolder(maskArg, '--mask');
    if ((await isFolder(markerArg, '--marker')) !== folderMode) {
      throw new InvalidArgumentError('--mask and --marker must both be files or both be folders');
    }
    if (!folderMode) {
      // Before any work, so a bad output path costs nothing.
      await checkOutputPath(out, '--out');
      if (geojson !== undefined) await checkOutputPath(geojson, '--geojson');
      const { labels, ms } = await processPair(maskArg, markerArg, params);
      await writeLabels(out, labels);
      if (geojson !== undefined) await writeGeoJson(geojson, labels, stemOf(maskArg));
      process.stdout.write(`${out}: ${countLabels(labels)} nuclei (${params.recipe}, ${ms.toFixed(0)} ms)\n`);
      return 0;
    }
    const masks = await filesByStem(maskArg, PROB_EXTENSIONS, '--mask');
    const markers = await filesByStem(markerArg, PROB_EXTENSIONS, '--marker');
    const stems = [...masks.keys()].filter((s) => markers.has(s));
    if (stems.length === 0) {
      throw new NotFoundError(`no file in ${maskArg} has a same-named partner in ${markerArg}`);
    }
    const unpaired = masks.size + markers.size - 2 * stems.length;
    if (unpaired > 0) process.stderr.write(`postprocess: ${unpaired} file(s) without a partner skipped\n`);
    await mkdir(out, { recursive: true });
    if (geojson !== undefined) await mkdir(geojson, { recursive: true });
    for (const [i, stem] of stems.entries()) {
      const { labels, ms } = await processPair(masks.get(stem) as string, markers.get(stem) as string, params);
      const target = join(out, `${stem}.png`);
      await writeLabels(target, labels);
      if (geojson !== undefined) await writeGeoJson(join(geojson, `${stem}.geojson`), labels, stem);
      process.stdout.write(`[${i + 1}/${stems.length}] ${stem}: ${countLabels(labels)} nuclei (${ms.toFixed(0)} ms)\n`);
    }
    return 0;
  },
};
