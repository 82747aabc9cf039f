/**
 * Finding a model from what a user typed: a path to an `.onnx` or a card `.json`, or a bare
 * name looked up in the models folders. The shipped models live in the repository's
 * `models/` folder, found relative to this package's install location, never the working
 * directory, so `nucleilens segment` works from any folder. Node-only.
 */
import { access, readdir } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../errors/index.js';
import { DEFAULT_MODEL_IO, readModelCard, type ModelCard } from './model-card.js';

/** The name `loadModel()` resolves when the caller names no model (`models/default.json`). */
export const DEFAULT_MODEL_NAME = 'default';

/** A model located on disk. */
export interface ResolvedModel {
  /** Absolute path of the ONNX file. */
  readonly onnxPath: string;
  /** Absolute path of the card, or `null` for a bare `.onnx` given without one. */
  readonly cardPath: string | null;
  readonly card: ModelCard;
}

/**
 * The folders searched for model names, first match wins: `$NUCLEILENS_MODELS` when set,
 * then `models/` beside this package (a package that ships its models), then the
 * workspace root's `models/` (the repository checkout).
 * @example
 * defaultModelDirs(); // ['/repo/pipeline/models', '/repo/models']
 */
export function defaultModelDirs(): string[] {
  const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
  const dirs = [join(packageRoot, 'models'), join(packageRoot, '..', 'models')];
  const fromEnv = process.env.NUCLEILENS_MODELS;
  return fromEnv ? [resolve(fromEnv), ...dirs] : dirs;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function looksLikePath(s: string): boolean {
  return isAbsolute(s) || s.includes('/') || s.includes(sep) || extname(s) !== '';
}

async function fromCard(cardPath: string): Promise<ResolvedModel> {
  const card = await readModelCard(cardPath);
  const onnxPath = resolve(dirname(cardPath), card.file);
  if (!(await exists(onnxPath))) {
    throw new NotFoundError(`${cardPath}: its model file ${card.file} is missing (looked for ${onnxPath})`);
  }
  return { onnxPath, cardPath, card };
}

async function fromOnnx(onnxPath: string): Promise<ResolvedModel> {
  if (!(await exists(onnxPath))) throw new NotFoundError(`no model file at ${onnxPath}`);
  const stem = onnxPath.slice(0, onnxPath.length - extname(onnxPath).length);
  const cardPath = `${stem}.json`;
  if (await exists(cardPath)) {
    const card = await readModelCard(cardPath);
    if (resolve(dirname(cardPath), card.file) === onnxPath) return { onnxPath, cardPath, card };
  }
  const name = basename(stem);
  return {
    onnxPath,
    cardPath: null,
    card: {
      name,
      file: basename(onnxPath),
      arch: 'unknown',
      ...DEFAULT_MODEL_IO,
      thresholds: { mask: null, marker: null, minMaskArea: null, minMarkerArea: null, dilateRadius: null, recipe: null },
      extra: { note: 'no model card beside the file; export.py IO defaults assumed' },
    },
  };
}

/**
 * Locates a model: a path ending in `.json` is a card, any other path is the ONNX file
 * (its card `<stem>.json` beside it is used when present), and a bare name is looked up as
 * `<dir>/<name>.json`, then `<dir>/<name>.onnx`, in each of `dirs`.
 * @param pathOrName e.g. `use-net-r18`, `models/use-net-r18.onnx`, `/abs/card.json`
 * @param dirs folders to search names in; default {@link defaultModelDirs}
 * @throws {NotFoundError} when nothing matches (the message lists the available names);
 *   {@link ModelError} for a malformed card.
 * @example
 * const { onnxPath, card } = await resolveModel('default');
 */
export async function resolveModel(pathOrName: string, dirs: readonly string[] = defaultModelDirs()): Promise<ResolvedModel> {
  if (looksLikePath(pathOrName)) {
    const abs = resolve(pathOrName);
    return extname(abs).toLowerCase() === '.json' ? fromCard(abs) : fromOnnx(abs);
  }
  for (const dir of dirs) {
    const card = join(dir, `${pathOrName}.json`);
    if (await exists(card)) return fromCard(card);
    const onnx = join(dir, `${pathOrName}.onnx`);
    if (await exists(onnx)) return fromOnnx(onnx);
  }
  const known = (await listModels(dirs)).map((m) => m.name);
  throw new NotFoundError(
    `no model named "${pathOrName}" in ${dirs.join(', ')}` +
      (known.length ? ` (available: ${known.join(', ')})` : ' (no models installed there)'),
  );
}

/** One entry of {@link listModels}. */
export interface ModelListing {
  /** The name to pass to `--model` (the card's file stem). */
  readonly name: string;
  readonly cardPath: string;
  /** The resolved model, or why it cannot be used. */
  readonly model: ResolvedModel | { readonly error: string };
}

/**
 * Every model card (`*.json` other than `*.check.json`) in `dirs`; a name found in an
 * earlier folder hides later ones. Broken cards are listed with their error.
 * @example
 * for (const m of await listModels()) console.log(m.name);
 */
export async function listModels(dirs: readonly string[] = defaultModelDirs()): Promise<ModelListing[]> {
  const seen = new Set<string>();
  const out: ModelListing[] = [];
  for (const dir of dirs) {
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const file of files.sort()) {
      if (!file.endsWith('.json') || file.endsWith('.check.json')) continue;
      const name = file.slice(0, -'.json'.length);
      if (seen.has(name)) continue;
      seen.add(name);
      const cardPath = join(dir, file);
      const model = await fromCard(cardPath).catch((err: unknown) => ({ error: (err as Error).message }));
      out.push({ name, cardPath, model });
    }
  }
  return out;
}
