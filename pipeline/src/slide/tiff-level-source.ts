/**
 * Reads rectangles from one tiled TIFF page tile by tile, through a shared decoded-tile
 * cache, so a region only decodes the tiles it touches and each tile at most once while
 * it stays cached. Node-only (geotiff.js).
 */
import { AbortedError, CorruptInputError, isNucleiLensError, throwIfAborted } from '../errors/index.js';
import type { RgbImage } from '../raster/types.js';
import type { ByteLruCache } from '../cache/byte-lru.js';
import { SharedLoads } from './abortable.js';
import { blitRgbInPlace } from './region-geometry.js';
import type { TiffPage } from './tiff-page.js';
import type { LevelRect } from './types.js';

/** Decoded tiles of every open slide, keyed `<reader id>/<level>/<col>/<row>`. */
export type DecodedTileCache = ByteLruCache<string, RgbImage>;

/** Where a level's tiles come from and where they are cached. */
export interface TiffLevelSourceOptions {
  readonly page: TiffPage;
  /** Distinguishes this reader's tiles in a cache shared by many slides. */
  readonly cacheKey: string;
  readonly cache: DecodedTileCache;
  /** File size in bytes, to report truncation instead of decoding zeros. */
  readonly byteLength: number;
  /** Names the file in error messages. */
  readonly source: string;
}

/** One tiled page, read in native tiles. */
export class TiffLevelSource {
  private readonly loads = new SharedLoads<string, RgbImage>();
  private readonly cols: number;

  constructor(private readonly opts: TiffLevelSourceOptions) {
    this.cols = Math.ceil(opts.page.width / opts.page.tileWidth);
  }

  /** Reads `rect` (inside the page) as RGB. */
  async read(rect: LevelRect, signal: AbortSignal | undefined): Promise<RgbImage> {
    const { tileWidth: tw, tileHeight: th } = this.opts.page;
    const c0 = Math.floor(rect.x / tw);
    const c1 = Math.floor((rect.x + rect.width - 1) / tw);
    const r0 = Math.floor(rect.y / th);
    const r1 = Math.floor((rect.y + rect.height - 1) / th);
    if (c0 === c1 && r0 === r1 && rect.width === tw && rect.height === th && rect.x === c0 * tw && rect.y === r0 * th) {
      // A copy: the cached tile is shared with every other reader of this slide.
      const tile = await this.tile(c0, r0, signal);
      return { width: tile.width, height: tile.height, data: tile.data.slice() };
    }
    const out: RgbImage = { width: rect.width, height: rect.height, data: new Uint8Array(rect.width * rect.height * 3) };
    const jobs: Promise<void>[] = [];
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        jobs.push(this.tile(c, r, signal).then((tile) => blitRgbInPlace(out, rect, tile, { x: c * tw, y: r * th })));
      }
    }
    await Promise.all(jobs);
    return out;
  }

  private async tile(col: number, row: number, signal: AbortSignal | undefined): Promise<RgbImage> {
    const key = `${this.opts.cacheKey}/${col}/${row}`;
    const hit = this.opts.cache.get(key);
    if (hit) return hit;
    throwIfAborted(signal);
    return this.loads.get(key, signal, (shared) => this.decode(col, row, shared));
  }

  private async decode(col: number, row: number, signal: AbortSignal): Promise<RgbImage> {
    const { page, source, byteLength } = this.opts;
    const x0 = col * page.tileWidth;
    const y0 = row * page.tileHeight;
    const x1 = Math.min(x0 + page.tileWidth, page.width);
    const y1 = Math.min(y0 + page.tileHeight, page.height);
    const where = `tile (${col}, ${row}) of a ${page.width}x${page.height} page`;
    try {
      const index = row * this.cols + col;
      const fd = page.image.fileDirectory;
      const offset = Number(await fd.loadValueIndexed(page.tiled ? 'TileOffsets' : 'StripOffsets', index));
      const count = Number(await fd.loadValueIndexed(page.tiled ? 'TileByteCounts' : 'StripByteCounts', index));
      if (!Number.isFinite(offset) || !Number.isFinite(count) || offset + count > byteLength) {
        throw new CorruptInputError(
          `${source}: truncated or damaged: ${where} lies at bytes ${offset}..${offset + count} of a ${byteLength}-byte file`,
        );
      }
      const raster = await page.image.readRGB({ window: [x0, y0, x1, y1], interleave: true, signal });
      const data = new Uint8Array(raster.buffer, raster.byteOffset, raster.length);
      if (data.length !== (x1 - x0) * (y1 - y0) * 3) {
        throw new CorruptInputError(`${source}: ${where} decoded to ${data.length} bytes, expected RGB`);
      }
      const tile: RgbImage = { width: x1 - x0, height: y1 - y0, data };
      this.opts.cache.set(`${this.opts.cacheKey}/${col}/${row}`, tile);
      return tile;
    } catch (err) {
      if (isNucleiLensError(err)) throw err;
      if (signal.aborted || (err as Error)?.name === 'AbortError') throw new AbortedError(undefined, { cause: err });
      throw new CorruptInputError(`${source}: cannot decode ${where} (${(err as Error)?.message ?? String(err)})`, {
        cause: err,
      });
    }
  }
}
