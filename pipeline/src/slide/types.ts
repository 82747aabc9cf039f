/**
 * The slide reader contract. Geometry is in level-0 pixels unless a type or name says
 * otherwise (`Level0Rect` vs `LevelRect`); rectangles are half-open. Microns per pixel
 * travel with the slide's info, never implied.
 */
import type { Rect, RgbImage } from '../raster/types.js';

/** A rectangle in level-0 (full resolution) pixels. */
export type Level0Rect = Rect;

/** A rectangle in the pixels of one pyramid level (level-0 px divided by that level's downsample). */
export type LevelRect = Rect;

/** One level of a slide's pyramid. */
export interface SlideLevel {
  /** Width and height in this level's pixels. */
  readonly width: number;
  readonly height: number;
  /** Level-0 pixels per pixel of this level (1 for level 0; about 2^k for a binary pyramid). */
  readonly downsample: number;
  /** Native tile size of this level (the unit a reader decodes and caches). */
  readonly tileWidth: number;
  readonly tileHeight: number;
}

/** What a reader knows about its slide, fixed once it is open. */
export interface SlideInfo {
  /** The reader that opened it (`'aperio-svs'`, `'ome-tiff'`, `'tiled-tiff'`, `'image'`). */
  readonly format: string;
  /** Level-0 size in pixels. */
  readonly width: number;
  readonly height: number;
  /** Levels from full resolution (index 0) to the smallest; downsample strictly increasing. */
  readonly levels: readonly SlideLevel[];
  /** Microns per level-0 pixel, when the file says (and the value is plausible). */
  readonly mpp: number | undefined;
  /** Objective magnification the slide was scanned at, when the file says (Aperio `AppMag`). */
  readonly magnification: number | undefined;
  /** Level-0 native tile size. */
  readonly tileWidth: number;
  readonly tileHeight: number;
}

/** An open slide. Reads are async, abortable and safe to run concurrently. */
export interface SlideReader {
  readonly info: SlideInfo;
  /**
   * Reads a rectangle given in level-0 pixels at pyramid level `level`. The output covers
   * level px `[floor(x/d), ceil((x+w)/d))` (d = the level's downsample), so its size is
   * about `w/d` x `h/d`. Parts outside the slide are white.
   * @throws {InvalidArgumentError} bad level or negative size; {@link AbortedError};
   *   {@link CorruptInputError} when the file's tiles cannot be decoded.
   */
  readRegion(region: Level0Rect, level: number, signal?: AbortSignal): Promise<RgbImage>;
  /** As {@link readRegion}, with the rectangle in the pixels of `level` itself (exact output size). */
  readLevelRegion(region: LevelRect, level: number, signal?: AbortSignal): Promise<RgbImage>;
  /** The index of the smallest level whose downsample does not exceed `downsample` (level 0 at least). */
  bestLevelForDownsample(downsample: number): number;
  /** Releases file handles; later reads fail. */
  close(): Promise<void>;
}
