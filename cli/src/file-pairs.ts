/**
 * Finding input files for the batch commands: is a path a folder, and which files of a
 * folder share a stem with which files of another. Node-only (CLI).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '@nucleilens/pipeline';

/**
 * Whether `path` is a folder (false for a file).
 * @throws {NotFoundError} when nothing exists at `path`; `what` names it in the message.
 */
export async function isFolder(path: string, what: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    throw new NotFoundError(`${what}: no such file or folder: ${path}`, { cause: err });
  }
}

/** A file name without its folder and last extension. */
export function stemOf(path: string): string {
  const name = basename(path);
  return name.slice(0, name.length - extname(name).length);
}

/**
 * The files of `folder` whose extension (lower-cased, with the dot) is in `extensions`,
 * keyed by stem, in stem order.
 * @throws {NotFoundError} when the folder cannot be read.
 * @throws {InvalidArgumentError} when two files share a stem (e.g. a.png and a.tif).
 */
export async function filesByStem(folder: string, extensions: readonly string[], what: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    throw new NotFoundError(`${what}: cannot read folder ${folder}`, { cause: err });
  }
  const out = new Map<string, string>();
  for (const name of names.sort()) {
    if (!extensions.includes(extname(name).toLowerCase())) continue;
    const stem = stemOf(name);
    const previous = out.get(stem);
    if (previous !== undefined) {
      throw new InvalidArgumentError(`${what}: ${basename(previous)} and ${name} in ${folder} share the stem "${stem}"`);
    }
    out.set(stem, join(folder, name));
  }
  return out;
}
