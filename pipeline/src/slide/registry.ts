/**
 * The explicit list of slide formats and the function that opens a slide with the best
 * one. Formats are registered by listing them here, never by importing a module for its
 * side effects (large_image's `canRead` + priority scheme).
 */
import { UnsupportedFormatError } from '../errors/index.js';
import { ByteLruCache } from '../cache/byte-lru.js';
import { aperioSvsFormat } from './aperio-svs-format.js';
import { omeTiffFormat } from './ome-tiff-format.js';
import { tiledTiffFormat } from './tiled-tiff-format.js';
import { plainImageFormat } from './plain-image-format.js';
import { probeSlide, type SlideProbe } from './probe.js';
import type { SlideFormat, SlideOpenContext } from './format.js';
import type { DecodedTileCache } from './tiff-level-source.js';
import type { SlideReader } from './types.js';

/** The formats NucleiLens reads, each once. */
export const DEFAULT_SLIDE_FORMATS: readonly SlideFormat[] = [aperioSvsFormat, omeTiffFormat, tiledTiffFormat, plainImageFormat];

/**
 * Formats ordered by priority; picks the highest-priority format whose `canRead` accepts a probe.
 * @example
 * const registry = new SlideFormatRegistry(DEFAULT_SLIDE_FORMATS);
 * registry.formatFor(await probeSlide('a.svs'))?.name; // 'aperio-svs'
 */
export class SlideFormatRegistry {
  readonly formats: readonly SlideFormat[];

  constructor(formats: readonly SlideFormat[]) {
    // Stable for equal priorities: listing order breaks ties.
    this.formats = [...formats].sort((a, b) => b.priority - a.priority);
  }

  /** The format that reads `probe`, or `undefined`. */
  formatFor(probe: SlideProbe): SlideFormat | undefined {
    return this.formats.find((f) => f.canRead(probe));
  }
}

/** A decoded-tile cache with `budgetBytes` to share between slides. */
export function createDecodedTileCache(budgetBytes: number): DecodedTileCache {
  return new ByteLruCache(budgetBytes, (tile) => tile.data.byteLength);
}

/** Options of {@link openSlide}. */
export interface OpenSlideOptions {
  /** Defaults to {@link DEFAULT_SLIDE_FORMATS}. */
  readonly registry?: SlideFormatRegistry;
  /** Share one cache between slides; defaults to a private 64 MiB cache. */
  readonly cache?: DecodedTileCache;
  /** Largest plain image decoded whole (pixels); default 100 megapixels. */
  readonly maxInMemoryPixels?: number;
  readonly signal?: AbortSignal;
}

const DEFAULT_REGISTRY = new SlideFormatRegistry(DEFAULT_SLIDE_FORMATS);

/**
 * Opens a slide file with the format that claims it.
 * @throws {NotFoundError} missing file; {@link UnsupportedFormatError} no format reads it
 *   (or a variant such as JPEG 2000 SVS); {@link CorruptInputError} damaged file.
 * @example
 * const slide = await openSlide('slides/case1.svs');
 * const rgb = await slide.readRegion({ x: 0, y: 0, width: 512, height: 512 }, 0);
 * await slide.close();
 */
export async function openSlide(path: string, options: OpenSlideOptions = {}): Promise<SlideReader> {
  const registry = options.registry ?? DEFAULT_REGISTRY;
  const probe = await probeSlide(path, options.signal);
  const format = registry.formatFor(probe);
  if (!format) {
    await probe.tiff?.file.close();
    throw new UnsupportedFormatError(
      `${path}: not a slide format NucleiLens reads (${probe.magic === 'unknown' ? 'unrecognized bytes' : probe.magic}); ` +
        `known: ${registry.formats.map((f) => f.name).join(', ')}`,
    );
  }
  const context: SlideOpenContext = {
    cache: options.cache ?? createDecodedTileCache(64 * 1024 * 1024),
    maxInMemoryPixels: options.maxInMemoryPixels ?? 100_000_000,
    signal: options.signal,
  };
  try {
    return await format.open(probe, context);
  } catch (err) {
    await Promise.resolve(probe.tiff?.file.close()).catch(() => undefined);
    throw err;
  }
}
