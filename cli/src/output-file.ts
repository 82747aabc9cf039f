/**
 * Checks and writes for command outputs, so a bad output path is a one-line user error
 * (exit 2) before any work is done, not a stack trace after it. Node-only (CLI).
 */
import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@nucleilens/pipeline';

/**
 * Checks that `path` can be written: its folder exists and it is not itself a folder.
 * @param what names the option in messages, e.g. '--out'
 * @throws {NotFoundError} when the folder is missing; {@link InvalidArgumentError} when `path` is a folder.
 */
export async function checkOutputPath(path: string, what: string): Promise<void> {
  const folder = dirname(resolve(path));
  const folderStat = await stat(folder).catch(() => undefined);
  if (!folderStat?.isDirectory()) throw new NotFoundError(`${what}: folder ${folder} does not exist`);
  const target = await stat(path).catch(() => undefined);
  if (target?.isDirectory()) throw new InvalidArgumentError(`${what}: ${path} is a folder, expected a file name`);
}

/** Writes UTF-8 text after {@link checkOutputPath}. */
export async function writeTextFile(path: string, text: string, what: string): Promise<void> {
  await checkOutputPath(path, what);
  await writeFile(path, text, 'utf8');
}
