/**
 * `GET /slides` (every slide with its info, or the reason it cannot be read),
 * `GET /slides/:id` (one slide's info) and `GET /slides/:id.dzi` (DeepZoom descriptor).
 */
import { Router } from 'express';
import { isNucleiLensError, type SlideInfo } from '@nucleilens/pipeline';
import { deepZoomDescriptor } from '../deepzoom.js';
import { answerIfFresh, makeEtag } from '../http-cache.js';
import { httpStatusOf } from '../http-errors.js';
import type { ServerContext } from '../server-context.js';

/** The JSON a client gets for one slide. */
export interface SlideSummary {
  readonly id: string;
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly mpp: number | null;
  readonly magnification: number | null;
  readonly levels: readonly { width: number; height: number; downsample: number }[];
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly dzi: string;
  readonly iiif: string;
}

function summary(id: string, info: SlideInfo): SlideSummary {
  const enc = encodeURIComponent(id);
  return {
    id,
    format: info.format,
    width: info.width,
    height: info.height,
    mpp: info.mpp ?? null,
    magnification: info.magnification ?? null,
    levels: info.levels.map((l) => ({ width: l.width, height: l.height, downsample: l.downsample })),
    tileWidth: info.tileWidth,
    tileHeight: info.tileHeight,
    dzi: `/slides/${enc}.dzi`,
    iiif: `/iiif/${enc}/info.json`,
  };
}

/** The slide list, info and DZI routes. */
export function slideRoutes(ctx: ServerContext): Router {
  const router = Router();
  const shortAge = Math.min(60, ctx.options.tileMaxAge);

  router.get('/slides', async (_req, res) => {
    const entries = await ctx.library.list();
    const out = await Promise.all(
      entries.map(async (e) => {
        try {
          return summary(e.id, (await ctx.library.get(e.id)).info);
        } catch (err) {
          if (!isNucleiLensError(err)) throw err;
          return { id: e.id, error: { code: err.code, message: err.message, status: httpStatusOf(err) } };
        }
      }),
    );
    res.setHeader('Cache-Control', 'no-cache');
    res.json(out);
  });

  router.get('/slides/:name', async (req, res) => {
    const name = req.params.name;
    const isDzi = name.endsWith('.dzi');
    const slide = await ctx.library.get(isDzi ? name.slice(0, -4) : name);
    if (answerIfFresh(req, res, makeEtag(slide.fingerprint, isDzi ? 'dzi' : 'info'), shortAge)) return;
    if (!isDzi) {
      res.json(summary(slide.id, slide.info));
      return;
    }
    const layout = { width: slide.info.width, height: slide.info.height, tileSize: ctx.options.tileSize, overlap: ctx.options.overlap };
    res.type('application/xml').send(deepZoomDescriptor(layout, 'jpeg'));
  });

  return router;
}
