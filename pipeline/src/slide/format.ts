/**
 * The contract a slide format implements to be listed in a {@link SlideFormatRegistry}.
 */
import type { DecodedTileCache } from './tiff-level-source.js';
import type { SlideProbe } from './probe.js';
import type { SlideReader } from './types.js';

/** Shared resources and limits a format opens a slide with. */
export interface SlideOpenContext {
  /** Decoded tiles of all open slides, under one byte budget. */
  readonly cache: DecodedTileCache;
  /** Largest plain image (pixels) decoded whole into memory for an in-memory pyramid. */
  readonly maxInMemoryPixels: number;
  readonly signal: AbortSignal | undefined;
}

/** One slide format: decides from a probe whether it reads a file, and opens it. */
export interface SlideFormat {
  /** Stable name, reported as `SlideInfo.format`. */
  readonly name: string;
  /** Higher wins when several formats can read a file (an SVS is also a tiled TIFF). */
  readonly priority: number;
  /** Cheap decision from the probe alone; never throws. */
  canRead(probe: SlideProbe): boolean;
  /**
   * Opens the slide. Takes over `probe.tiff.file` (closes it on close or failure).
   * @throws {UnsupportedFormatError} a variant it cannot decode; {@link CorruptInputError}.
   */
  open(probe: SlideProbe, context: SlideOpenContext): Promise<SlideReader>;
}
