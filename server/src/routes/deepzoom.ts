/**
 * `GET /slides/:id_files/:level/:col_:row.:fmt`: DeepZoom tiles (jpeg, png, webp).
 */
import { Router } from 'express';
import { InvalidArgumentError } from '@nucleilens/pipeline';
import { deepZoomTile, parseIndex } from '../deepzoom.js';
import type { ImageFormat } from '../iiif.js';
import { CONTENT_TYPES, encodeImage, readScaled } from '../render.js';
import { sendImage, type ServerContext } from '../server-context.js';

const TILE_FORMATS: Readonly<Record<string, ImageFormat>> = { jpeg: 'jpeg', jpg: 'jpeg', png: 'png', webp: 'webp' };

/** The DeepZoom tile route. Paths whose first segment does not end in `_files` pass through. */
export function deepZoomRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/slides/:dir/:level/:tile', async (req, res, next) => {
    const { dir, level, tile } = req.params;
    if (!dir.endsWith('_files')) {
      next();
      return;
    }
    const m = /^([^_]+)_([^.]+)\.([a-z]+)$/.exec(tile);
    if (!m) throw new InvalidArgumentError(`tile must be COL_ROW.FORMAT, got "${tile.slice(0, 40)}"`);
    const format = TILE_FORMATS[m[3]];
    if (!format) throw new InvalidArgumentError(`tile format must be jpeg, png or webp, got "${m[3]}"`);
    const lv = parseIndex('level', level);
    const col = parseIndex('column', m[1]);
    const row = parseIndex('row', m[2]);
    const slide = await ctx.library.get(dir.slice(0, -'_files'.length));
    const { tileSize, overlap, quality } = ctx.options;
    const t = deepZoomTile({ width: slide.info.width, height: slide.info.height, tileSize, overlap }, lv, col, row);
    await sendImage(ctx, req, res, {
      slide,
      route: 'deepzoom',
      canonical: `dz/${tileSize}/${overlap}/${lv}/${col}/${row}/${format}/${quality}`,
      contentType: CONTENT_TYPES[format],
      produce: async (signal) => {
        const img = await readScaled(slide.reader, t.region, t.width, t.height, 4 * ctx.options.maxRegionPixels, signal);
        return encodeImage(img, { format, quality });
      },
    });
  });
  return router;
}
