/**
 * The slide folder: lists slide files, maps validated ids to files that really lie inside
 * the folder (no `..`, no symlink escape), opens each slide once per file version and
 * remembers (and logs once) a slide that cannot be read, so one bad file never affects
 * the others.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import {
  InvalidArgumentError,
  NotFoundError,
  isNucleiLensError,
  openSlide,
  type DecodedTileCache,
  type SlideFormatRegistry,
} from '@nucleilens/pipeline';
import { SlideContext } from './slide-context.js';
import type { ServerLogger } from './options.js';

/** Slide ids: a file name without its extension, from a conservative alphabet. */
export const SLIDE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** File extensions listed as slides (the id drops the last one). */
const SLIDE_EXTENSIONS = new Set(['.tif', '.tiff', '.svs', '.btf', '.tf8', '.png', '.jpg', '.jpeg', '.webp']);

/**
 * Checks a slide id.
 * @throws {InvalidArgumentError} for anything outside {@link SLIDE_ID_PATTERN} or containing `..`.
 */
export function assertSlideId(id: string): void {
  if (!SLIDE_ID_PATTERN.test(id) || id.includes('..')) {
    throw new InvalidArgumentError(`invalid slide id "${id.slice(0, 80)}": use letters, digits, '.', '_' and '-'`);
  }
}

/** A slide file found in the folder. */
export interface SlideEntry {
  readonly id: string;
  readonly file: string;
}

interface Failure {
  readonly fingerprint: string;
  readonly error: unknown;
}

/** Options of {@link SlideLibrary}. */
export interface SlideLibraryOptions {
  readonly root: string;
  readonly cache: DecodedTileCache;
  readonly maxInMemoryPixels: number;
  readonly logger: ServerLogger;
  readonly registry?: SlideFormatRegistry;
}

/** The slides of one folder. */
export class SlideLibrary {
  private readonly open = new Map<string, Promise<SlideContext>>();
  private readonly failures = new Map<string, Failure>();
  private rootReal: Promise<string>;

  constructor(private readonly opts: SlideLibraryOptions) {
    this.rootReal = realpath(opts.root).catch((err: unknown) => {
      throw new NotFoundError(`slide folder ${opts.root} does not exist`, { cause: err });
    });
    this.rootReal.catch(() => undefined);
  }

  /** Slide files in the folder, sorted by id; the first file wins when two share an id. */
  async list(): Promise<SlideEntry[]> {
    const root = await this.rootReal;
    const names = (await readdir(root, { withFileTypes: true }))
      .filter((d) => (d.isFile() || d.isSymbolicLink()) && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
    const byId = new Map<string, SlideEntry>();
    for (const file of names) {
      const dot = file.lastIndexOf('.');
      if (dot <= 0 || !SLIDE_EXTENSIONS.has(file.slice(dot).toLowerCase())) continue;
      const id = file.slice(0, dot);
      if (!SLIDE_ID_PATTERN.test(id) || id.includes('..') || byId.has(id)) continue;
      byId.set(id, { id, file });
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /**
   * The open slide `id`.
   * @throws {InvalidArgumentError} bad id or a file resolving outside the folder;
   *   {@link NotFoundError} no such slide; {@link UnsupportedFormatError} /
   *   {@link CorruptInputError} when the file cannot be read (remembered per file version).
   */
  async get(id: string): Promise<SlideContext> {
    assertSlideId(id);
    const entry = (await this.list()).find((e) => e.id === id);
    if (!entry) throw new NotFoundError(`no slide "${id}"`);
    const path = await this.confined(entry.file);
    const st = await stat(path);
    const fingerprint = `${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}-${st.ino.toString(36)}`;
    const failure = this.failures.get(id);
    if (failure?.fingerprint === fingerprint) throw failure.error;
    const key = `${id}@${fingerprint}`;
    let ctx = this.open.get(key);
    if (!ctx) {
      this.dropStale(id);
      ctx = openSlide(path, { cache: this.opts.cache, maxInMemoryPixels: this.opts.maxInMemoryPixels, registry: this.opts.registry }).then(
        (reader) => new SlideContext(id, path, reader, fingerprint),
      );
      this.open.set(key, ctx);
      ctx.catch((err: unknown) => {
        this.open.delete(key);
        if (isNucleiLensError(err)) {
          this.failures.set(id, { fingerprint, error: err });
          this.opts.logger.warn(`slide "${id}" cannot be read: ${err.message}`);
        }
      });
    }
    return ctx;
  }

  /** Number of slides open now. */
  get openCount(): number {
    return this.open.size;
  }

  /** Closes every open slide. */
  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => undefined)));
  }

  private dropStale(id: string): void {
    for (const [key, ctx] of this.open) {
      if (key.startsWith(`${id}@`)) {
        this.open.delete(key);
        ctx.then((c) => c.close()).catch(() => undefined);
      }
    }
  }

  private async confined(file: string): Promise<string> {
    const root = await this.rootReal;
    let real: string;
    try {
      real = await realpath(join(root, file));
    } catch (err) {
      throw new NotFoundError(`slide file ${file} is missing or a dangling link`, { cause: err });
    }
    if (!real.startsWith(root + sep)) throw new InvalidArgumentError(`slide file ${file} resolves outside the slide folder`);
    return real;
  }
}
