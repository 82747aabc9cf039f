/**
 * The built-in demo slide: a 20480 x 20480 synthetic H&E slide at 0.25 µm/px, written
 * once as a JPEG pyramidal TIFF into a cache folder and reused while its recipe (size,
 * seed, generator version) is unchanged. Streaming: one band of rows per pyramid level is
 * in memory at a time. Node-only.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, JpegPyramidWriter } from '@nucleilens/pipeline';
import { SyntheticHe } from './synthetic-he.js';

/** What the demo slide is made from; a change rebuilds it. */
export interface DemoRecipe {
  readonly version: number;
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  readonly mpp: number;
  readonly tileSize: number;
  readonly quality: number;
}

/** The recipe `npm start` serves. */
export const DEFAULT_DEMO_RECIPE: DemoRecipe = { version: 1, width: 20480, height: 20480, seed: 20261125, mpp: 0.25, tileSize: 256, quality: 85 };

/** Progress of a build. */
export interface DemoProgress {
  readonly rowsDone: number;
  readonly rows: number;
  readonly elapsedMs: number;
}

/** Options of {@link ensureDemoSlide}. */
export interface EnsureDemoOptions {
  /** Folder for `demo.tif` and its recipe file (e.g. `.cache/demo`). */
  readonly dir: string;
  readonly recipe?: DemoRecipe;
  /** Called after each band of rows. */
  readonly onProgress?: (p: DemoProgress) => void;
  readonly signal?: AbortSignal;
}

/** Result of {@link ensureDemoSlide}. */
export interface DemoSlide {
  readonly path: string;
  /** False when an existing file was reused. */
  readonly built: boolean;
  readonly buildMs: number;
  readonly nucleusCount: number | undefined;
}

async function readRecipe(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Returns the demo slide's path, building it first when missing or made from another recipe.
 * The file appears atomically (written under a dot-name, then renamed).
 * @throws {AbortedError} when `signal` fires (the partial file is removed).
 * @example
 * const demo = await ensureDemoSlide({ dir: '.cache/demo', onProgress: (p) => console.log(p.rowsDone) });
 */
export async function ensureDemoSlide(o: EnsureDemoOptions): Promise<DemoSlide> {
  const recipe = o.recipe ?? DEFAULT_DEMO_RECIPE;
  const path = join(o.dir, 'demo.tif');
  const recipePath = join(o.dir, 'demo.json');
  const existing = await readRecipe(recipePath);
  if (existing && JSON.stringify(existing) === JSON.stringify(recipe)) {
    const ok = await readFile(path).then(() => true, () => false);
    if (ok) return { path, built: false, buildMs: 0, nucleusCount: undefined };
  }
  await mkdir(o.dir, { recursive: true });
  const started = performance.now();
  const partial = join(o.dir, '.demo.tif.partial');
  const he = new SyntheticHe({ width: recipe.width, height: recipe.height, seed: recipe.seed });
  const writer = await JpegPyramidWriter.create(partial, {
    width: recipe.width,
    height: recipe.height,
    tileSize: recipe.tileSize,
    quality: recipe.quality,
    mpp: recipe.mpp,
    description: `NucleiLens synthetic H&E demo slide v${recipe.version} (seed ${recipe.seed}, ${he.nucleusCount} nuclei)`,
  });
  try {
    for (let y = 0; y < recipe.height; y += recipe.tileSize) {
      if (o.signal?.aborted) {
        throw new AbortedError('demo slide build cancelled');
      }
      const rows = Math.min(recipe.tileSize, recipe.height - y);
      await writer.writeBand(he.renderBand(y, rows));
      o.onProgress?.({ rowsDone: y + rows, rows: recipe.height, elapsedMs: performance.now() - started });
    }
    await writer.close();
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
  await rm(path, { force: true });
  await rename(partial, path);
  await writeFile(recipePath, JSON.stringify(recipe));
  return { path, built: true, buildMs: performance.now() - started, nucleusCount: he.nucleusCount };
}
