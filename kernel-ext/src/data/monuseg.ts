/**
 * The MoNuSeg 2018 test set beside the repository (`../shared/data/monuseg`, or
 * `$NUCLEILENS_MONUSEG`): images, ground truth rasterized with the official convention
 * (poly2mask), the USE-Net authors' reference probability maps, and each image's organ.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NotFoundError,
  PAPER_PARAMS,
  parseAnnotationXml,
  rasterizePolygons,
  readProbMapU8,
  readRgb,
} from '@nucleilens/pipeline';
import { Picture } from '../views/picture.js';
import { Probabilities } from '../views/probabilities.js';
import { Segmentation } from '../views/segmentation.js';
import { runStage } from '../stages/stage-run.js';
import type { ScoreCase } from '../stages/benchmark.js';

/** MoNuSeg images are 40x scans at about 0.25 µm/px (the PNGs do not say). */
export const MONUSEG_MPP = 0.25;

/**
 * Organ of each test image, from the TCGA tissue source site code in its name (the second
 * field: 2Z, GL, IZ kidney; 44, 69 lung; A6 colon; AC, AO breast; CU, ZF bladder; EJ, HC
 * prostate; FG, HT brain), which gives the 7 organs of the MoNuSeg test set.
 */
const ORGAN_BY_SITE: Readonly<Record<string, string>> = {
  '2Z': 'Kidney', GL: 'Kidney', IZ: 'Kidney',
  '44': 'Lung', '69': 'Lung',
  A6: 'Colon',
  AC: 'Breast', AO: 'Breast',
  CU: 'Bladder', ZF: 'Bladder',
  EJ: 'Prostate', HC: 'Prostate',
  FG: 'Brain', HT: 'Brain',
};

/** The organ of a TCGA image name, or `'unknown'`. */
export function organOf(name: string): string {
  return ORGAN_BY_SITE[name.split('-')[1] ?? ''] ?? 'unknown';
}

/**
 * The MoNuSeg folder: `$NUCLEILENS_MONUSEG`, else `../shared/data/monuseg` beside the
 * repository (found from this package's location, not the working directory).
 * @example
 * monusegDir(); // '/work/shared/data/monuseg'
 */
export function monusegDir(): string {
  return process.env.NUCLEILENS_MONUSEG
    ? resolve(process.env.NUCLEILENS_MONUSEG)
    : fileURLToPath(new URL('../../../../shared/data/monuseg', import.meta.url));
}

/** One test image and its files. */
export interface MonusegCase {
  readonly name: string;
  readonly organ: string;
  readonly image: string;
  readonly annotation: string;
  readonly referenceMask: string;
  readonly referenceMarker: string;
}

/**
 * The 14 official test images, sorted by name.
 * @throws {NotFoundError} when the data folder is absent.
 * @example
 * const cases = monusegTestCases(); cases[0].organ; // 'Kidney'
 */
export function monusegTestCases(): MonusegCase[] {
  const dir = monusegDir();
  const images = join(dir, 'test', 'images');
  if (!existsSync(images)) throw new NotFoundError(`MoNuSeg test images not found at ${images} (set NUCLEILENS_MONUSEG)`);
  return readdirSync(images)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      return {
        name,
        organ: organOf(name),
        image: join(images, f),
        annotation: join(dir, 'test', 'annotations', `${name}.xml`),
        referenceMask: join(dir, 'reference', 'use-net', 'mask', f),
        referenceMarker: join(dir, 'reference', 'use-net', 'marker', f),
      };
    });
}

function findCase(name: string): MonusegCase {
  const found = monusegTestCases().find((c) => c.name === name || c.name.startsWith(name));
  if (!found) throw new NotFoundError(`no MoNuSeg test image named ${name}`);
  return found;
}

/**
 * A test image as a picture (0.25 µm/px).
 * @example
 * const pic = await monusegImage('TCGA-2Z-A9J9-01A-01-TS1');
 */
export async function monusegImage(name: string): Promise<Picture> {
  const c = findCase(name);
  const { value, timing } = await runStage('open', () => readRgb(c.image));
  return Picture.create(value, { name: c.name, mpp: MONUSEG_MPP, origin: { x: 0, y: 0 }, timing });
}

/**
 * Ground-truth instances of a test image, rasterized as the challenge did (poly2mask, first
 * region wins), drawn on `picture` (default: the image itself).
 * @example
 * const gt = await groundTruth('TCGA-2Z-A9J9-01A-01-TS1');
 */
export async function groundTruth(name: string, picture?: Picture): Promise<Segmentation> {
  const c = findCase(name);
  const pic = picture ?? (await monusegImage(c.name));
  const { value, timing } = await runStage('ground truth', async () => {
    const set = parseAnnotationXml(await readFile(c.annotation, 'utf8'));
    return rasterizePolygons(set.regions.map((r) => r.polygon), pic.width, pic.height, { rule: 'poly2mask' });
  });
  return Segmentation.create(value, { kind: 'ground truth', picture: pic, timing });
}

/**
 * The USE-Net authors' probability maps for a test image, with their recipe
 * (`PAPER_PARAMS`) as the default post-processing.
 * @example
 * const ref = await referenceProbabilities('TCGA-2Z-A9J9-01A-01-TS1');
 */
export async function referenceProbabilities(name: string, picture?: Picture): Promise<Probabilities> {
  const c = findCase(name);
  const pic = picture ?? (await monusegImage(c.name));
  const { value, timing } = await runStage('reference maps', async () => ({
    mask: await readProbMapU8(c.referenceMask),
    marker: await readProbMapU8(c.referenceMarker),
  }));
  return Probabilities.create(value.mask, value.marker, { source: 'reference USE-Net maps (the authors’ network)', picture: pic, defaults: PAPER_PARAMS, timing });
}

/**
 * Every test image with the reference maps and ground truth, ready for `scoreCases` and
 * `thresholdSweep`.
 * @example
 * const cases = await referenceCases(); thresholdSweep(cases, [0.1, 0.3, 0.5]);
 */
export async function referenceCases(): Promise<ScoreCase[]> {
  const out: ScoreCase[] = [];
  for (const c of monusegTestCases()) {
    const picture = await monusegImage(c.name);
    out.push({ name: c.name, organ: c.organ, probabilities: await referenceProbabilities(c.name, picture), groundTruth: await groundTruth(c.name, picture) });
  }
  return out;
}
