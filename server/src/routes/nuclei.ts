/**
 * Nuclei on the fixed compute grid (docs/API.md): `GET /slides/:id/grid`,
 * `GET /slides/:id/nuclei?x=&y=&w=&h=[&params]` (QuPath GeoJSON),
 * `GET /slides/:id/probs?x=&y=&w=&h=` (the compute tiles meeting a rectangle) and
 * `GET /slides/:id/probs/:col_:row.png` (R = mask x 255, G = marker x 255, B = hematoxylin
 * OD x 50).
 */
import { Router, type Request } from 'express';
import sharp from 'sharp';
import { InvalidArgumentError, NotFoundError, cellAt, cellsMeeting } from '@nucleilens/pipeline';
import { parseIndex } from '../deepzoom.js';
import { answerIfFresh, makeEtag } from '../http-cache.js';
import { postprocessFromQuery } from '../nuclei/postprocess-query.js';
import { hematoxylinPlane } from '../nuclei/nucleus-colour.js';
import { slideAnalysis } from '../nuclei/slide-analysis.js';
import { PROBS_HEMATOXYLIN_STEPS_PER_OD } from '@nucleilens/viewer-plugin/core';
import { regionFromQuery } from '../nuclei/region-query.js';
import { requestSignal, sendImage, type ServerContext } from '../server-context.js';
import type { SlideContext } from '../slide-context.js';

/** Parses `COL_ROW.png`. @throws {InvalidArgumentError} otherwise. */
export function parseCellFile(file: string): { col: number; row: number } {
  const m = /^(\d{1,9})_(\d{1,9})\.png$/.exec(file);
  if (!m) throw new InvalidArgumentError(`compute tile must be COL_ROW.png, got "${file.slice(0, 40)}"`);
  return { col: parseIndex('column', m[1]), row: parseIndex('row', m[2]) };
}

/** The compute tile (col, row) of `slide`, a 404 outside its grid. */
export async function cellOf(ctx: ServerContext, slide: SlideContext, col: number, row: number) {
  const grid = await ctx.nuclei.grid(slide);
  if (col >= grid.cols || row >= grid.rows) throw new NotFoundError(`compute tile ${col}_${row} does not exist (${grid.cols}x${grid.rows} grid)`);
  return { grid, cell: cellAt(grid, col, row) };
}

function slideId(req: Request): string {
  return String(req.params.id);
}

/** The nuclei, grid and probability routes. */
export function nucleiRoutes(ctx: ServerContext): Router {
  const router = Router();

  router.get('/slides/:id/grid', async (req, res) => {
    const slide = await ctx.library.get(slideId(req));
    const [grid, model] = await Promise.all([ctx.nuclei.grid(slide), ctx.nuclei.model()]);
    const defaults = postprocessFromQuery({}, model.card).params;
    res.setHeader('Cache-Control', 'no-cache');
    res.json({
      tile: grid.tile,
      halo: grid.halo,
      cols: grid.cols,
      rows: grid.rows,
      mpp: slide.info.mpp ?? null,
      model: {
        name: model.card.name,
        arch: model.card.arch,
        mppExpected: model.card.mppExpected,
        provider: model.provider,
        fallbackReason: model.fallbackReason,
        thresholds: model.card.thresholds,
        postprocess: defaults,
      },
    });
  });

  router.get('/slides/:id/nuclei', async (req, res) => {
    const slide = await ctx.library.get(slideId(req));
    const rect = regionFromQuery(req.query, slide.info.width, slide.info.height, ctx.options.maxRegionPixels);
    const model = await ctx.nuclei.model();
    const pp = postprocessFromQuery(req.query, model.card);
    const grid = await ctx.nuclei.grid(slide);
    // The answer depends only on the slide version, model, grid, rectangle and parameters.
    const etag = makeEtag(slide.fingerprint, `nuclei/${model.key}/${grid.tile}/${grid.halo}/${rect.x},${rect.y},${rect.width},${rect.height}/${pp.key}`);
    if (answerIfFresh(req, res, etag, ctx.options.tileMaxAge)) return;
    const started = performance.now();
    // Viewers repeat the same viewport queries: keep the serialized answer with the encoded images.
    let body = ctx.encodedCache.get(etag);
    const hit = body !== undefined;
    if (!body) {
      const nuclei = await ctx.nuclei.nucleiInRect(slide, rect, pp, requestSignal(res));
      const json = JSON.stringify({ type: 'FeatureCollection', features: nuclei.map((n) => n.feature) });
      body = { bytes: Buffer.from(json), contentType: 'application/geo+json' };
      ctx.encodedCache.set(etag, body);
    }
    ctx.metrics.tileSeconds.observe((performance.now() - started) / 1000, { route: 'nuclei', cache: hit ? 'hit' : 'miss' });
    res.type(body.contentType).send(body.bytes);
  });

  router.get('/slides/:id/probs', async (req, res) => {
    const slide = await ctx.library.get(slideId(req));
    const rect = regionFromQuery(req.query, slide.info.width, slide.info.height, ctx.options.maxRegionPixels);
    const grid = await ctx.nuclei.grid(slide);
    const base = `/slides/${encodeURIComponent(slide.id)}/probs`;
    res.setHeader('Cache-Control', 'no-cache');
    res.json({
      tile: grid.tile,
      halo: grid.halo,
      tiles: cellsMeeting(grid, rect).map((c) => ({ col: c.col, row: c.row, core: c.core, region: c.region, url: `${base}/${c.col}_${c.row}.png` })),
    });
  });

  router.get('/slides/:id/probs/:file', async (req, res) => {
    const slide = await ctx.library.get(slideId(req));
    const { col, row } = parseCellFile(String(req.params.file));
    const [{ grid, cell }, model] = await Promise.all([cellOf(ctx, slide, col, row), ctx.nuclei.model()]);
    await sendImage(ctx, req, res, {
      slide,
      route: 'probs',
      canonical: `probs/${model.key}/${grid.tile}/${grid.halo}/${col}/${row}`,
      contentType: 'image/png',
      produce: async (signal) => {
        const [{ mask, marker }, analysis, image] = await Promise.all([
          ctx.nuclei.probs(slide, cell, signal),
          slideAnalysis(slide),
          slide.reader.readRegion(cell.region, 0, signal),
        ]);
        const hematoxylin = hematoxylinPlane(image, analysis.stain).data;
        const n = mask.width * mask.height;
        const rgb = Buffer.alloc(n * 3);
        for (let i = 0, j = 0; i < n; i++, j += 3) {
          rgb[j] = mask.data[i];
          rgb[j + 1] = marker.data[i];
          rgb[j + 2] = Math.min(255, Math.round(hematoxylin[i] * PROBS_HEMATOXYLIN_STEPS_PER_OD));
        }
        // Lossless on purpose: a browser re-running post-processing must see the server's exact bytes.
        return sharp(rgb, { raw: { width: mask.width, height: mask.height, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
      },
    });
  });

  return router;
}
