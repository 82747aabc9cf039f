/**
 * What every reader shares: level validation, level-0 to level conversion and level
 * choice. A reader supplies its info and `readLevelPixels` for an in-bounds rectangle.
 */
import { InvalidArgumentError, throwIfAborted } from '../errors/index.js';
import type { RgbImage } from '../raster/types.js';
import { assertIntegerRect, blitRgbInPlace, intersectRect, levelRectFromLevel0, whiteRgb } from './region-geometry.js';
import type { Level0Rect, LevelRect, SlideInfo, SlideReader } from './types.js';

/** Base class of the readers in this folder; not part of the reader contract itself. */
export abstract class BaseSlideReader implements SlideReader {
  abstract readonly info: SlideInfo;

  /**
   * Reads `rect`, which lies inside level `level`'s bounds and is not empty, as RGB of
   * exactly `rect.width` x `rect.height`.
   */
  protected abstract readLevelPixels(rect: LevelRect, level: number, signal: AbortSignal | undefined): Promise<RgbImage>;

  abstract close(): Promise<void>;

  async readLevelRegion(region: LevelRect, level: number, signal?: AbortSignal): Promise<RgbImage> {
    assertIntegerRect('region', region);
    const lv = this.levelAt(level);
    throwIfAborted(signal);
    const inside = intersectRect(region, { x: 0, y: 0, width: lv.width, height: lv.height });
    if (inside && inside.width === region.width && inside.height === region.height) {
      return this.readLevelPixels(region, level, signal);
    }
    const out = whiteRgb(region.width, region.height);
    if (inside) blitRgbInPlace(out, region, await this.readLevelPixels(inside, level, signal), inside);
    return out;
  }

  async readRegion(region: Level0Rect, level: number, signal?: AbortSignal): Promise<RgbImage> {
    assertIntegerRect('region', region);
    return this.readLevelRegion(levelRectFromLevel0(region, this.levelAt(level).downsample), level, signal);
  }

  bestLevelForDownsample(downsample: number): number {
    const levels = this.info.levels;
    let best = 0;
    // A hair of tolerance: 20000 / 313 px is a "64x" level even though 20000/313 > 63.9.
    for (let i = 1; i < levels.length; i++) if (levels[i].downsample <= downsample * 1.01) best = i;
    return best;
  }

  private levelAt(level: number) {
    const lv = Number.isInteger(level) ? this.info.levels[level] : undefined;
    if (!lv) {
      throw new InvalidArgumentError(`level must be an integer in 0..${this.info.levels.length - 1}, got ${level}`);
    }
    return lv;
  }
}
