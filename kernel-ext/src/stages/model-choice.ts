/**
 * Which network `infer` runs. The first call loads the shipped default model
 * (`models/default.json`); where it is missing (a checkout before the trained model landed)
 * the tiny untrained test fixture stands in, with a warning printed in the cell, so the
 * notebooks still run end to end.
 */
import { fileURLToPath } from 'node:url';
import { loadModel, NotFoundError, type UsenetModel } from '@nucleilens/pipeline';

/** The repository's untrained fixture model (test/fixtures), used only when no default model exists. */
export const FIXTURE_MODEL = fileURLToPath(new URL('../../../test/fixtures/tiny-usenet.json', import.meta.url));

let chosen: Promise<UsenetModel> | undefined;

/**
 * Loads the model later stages run (a name from `models/`, or a path to a card or `.onnx`)
 * and makes it the kernel's current model.
 * @throws {NotFoundError} when it does not exist; {@link ModelError} when it cannot load.
 * @example
 * await useModel('default');
 */
export async function useModel(pathOrName: string): Promise<UsenetModel> {
  const loading = loadModel(pathOrName);
  chosen = loading;
  try {
    return await loading;
  } catch (err) {
    if (chosen === loading) chosen = undefined;
    throw err;
  }
}

/**
 * The kernel's current model: the one {@link useModel} chose, else the default model, else
 * the test fixture (with a printed warning).
 * @example
 * const model = await currentModel();
 */
export async function currentModel(): Promise<UsenetModel> {
  if (chosen) return chosen;
  try {
    return await useModel('default');
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    console.warn(`⚠ no default model (models/default.json): using the UNTRAINED test fixture ${FIXTURE_MODEL}; its segmentations are not meaningful`);
    return useModel(FIXTURE_MODEL);
  }
}

/** A short description: card name and execution provider. */
export function describeModel(model: UsenetModel): string {
  return `model ${model.card.name} (${model.card.arch}, ${model.provider})`;
}
