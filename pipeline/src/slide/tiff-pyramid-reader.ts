/**
 * A slide held in TIFF pages, one page per pyramid level. The format readers (tiled TIFF,
 * OME-TIFF, Aperio SVS) differ only in which pages are levels and where the scale is
 * written; they all read pixels through this class. Node-only.
 */
import type { GeoTIFF } from 'geotiff';
import { InvalidArgumentError } from '../errors/index.js';
import type { RgbImage } from '../raster/types.js';
import { BaseSlideReader } from './base-reader.js';
import { TiffLevelSource, type DecodedTileCache } from './tiff-level-source.js';
import { assertDecodable, type TiffPage } from './tiff-page.js';
import type { LevelRect, SlideInfo, SlideLevel } from './types.js';

/** What a TIFF-based format reader hands over once it has chosen its level pages. */
export interface TiffPyramidSpec {
  readonly format: string;
  readonly file: GeoTIFF;
  /** Level pages, full resolution first; each must be tiled. */
  readonly pages: readonly TiffPage[];
  readonly mpp: number | undefined;
  readonly magnification: number | undefined;
  readonly cache: DecodedTileCache;
  readonly byteLength: number;
  readonly source: string;
}

let nextReaderId = 0;

/** Orders candidate level pages by decreasing size and keeps those shaped like the base page. */
export function pyramidPages(base: TiffPage, candidates: readonly TiffPage[]): TiffPage[] {
  const levels = [base];
  const sorted = [...candidates].sort((a, b) => b.width - a.width);
  for (const p of sorted) {
    const prev = levels[levels.length - 1];
    if (!p.tiled || p.width >= prev.width || p.height >= prev.height) continue;
    // A reduced copy keeps the aspect ratio up to rounding of each halving (one pixel per level).
    const dsX = base.width / p.width;
    const dsY = base.height / p.height;
    if (Math.abs(dsX - dsY) / dsX > 0.02 + 2 / Math.min(p.width, p.height)) continue;
    levels.push(p);
  }
  return levels;
}

/** A reader over TIFF level pages (see {@link TiffPyramidSpec}). */
export class TiffPyramidReader extends BaseSlideReader {
  readonly info: SlideInfo;
  private readonly sources: TiffLevelSource[];
  private readonly id = `tiff${nextReaderId++}`;
  private closed = false;

  constructor(private readonly spec: TiffPyramidSpec) {
    super();
    const base = spec.pages[0];
    if (!base) throw new InvalidArgumentError(`${spec.source}: a pyramid needs at least one page`);
    for (const p of spec.pages) assertDecodable(p, spec.source);
    const levels: SlideLevel[] = spec.pages.map((p) => ({
      width: p.width,
      height: p.height,
      // openslide's convention: the mean of both axes' ratios.
      downsample: (base.width / p.width + base.height / p.height) / 2,
      tileWidth: p.tileWidth,
      tileHeight: p.tileHeight,
    }));
    this.info = {
      format: spec.format,
      width: base.width,
      height: base.height,
      levels,
      mpp: spec.mpp,
      magnification: spec.magnification,
      tileWidth: base.tileWidth,
      tileHeight: base.tileHeight,
    };
    this.sources = spec.pages.map(
      (page, i) =>
        new TiffLevelSource({
          page,
          cacheKey: `${this.id}/${i}`,
          cache: spec.cache,
          byteLength: spec.byteLength,
          source: spec.source,
        }),
    );
  }

  protected readLevelPixels(rect: LevelRect, level: number, signal: AbortSignal | undefined): Promise<RgbImage> {
    if (this.closed) throw new InvalidArgumentError(`${this.spec.source}: slide is closed`);
    return this.sources[level].read(rect, signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.spec.cache.deleteWhere((key) => key.startsWith(`${this.id}/`));
    await this.spec.file.close();
  }
}
