/**
 * `GET /slides/:id/overlay_files/:level/:col_:row.png[?params&style=&color=]`: transparent
 * nucleus overlays on the slide's DeepZoom grid. Levels down to `overlayMaxDownsample`
 * are computed on demand; coarser ones show what a whole-slide run stored (never starting
 * inference for a tile that spans hundreds of compute tiles).
 */
import { Router } from 'express';
import sharp from 'sharp';
import { InvalidArgumentError } from '@nucleilens/pipeline';
import { deepZoomMaxLevel, deepZoomTile, parseIndex } from '../deepzoom.js';
import { postprocessFromQuery } from '../nuclei/postprocess-query.js';
import { OVERLAY_COLORS, OVERLAY_STYLES, renderOverlay, type OverlayColor, type OverlayStyle } from '../nuclei/overlay-render.js';
import { sendImage, type ServerContext } from '../server-context.js';

function choice<T extends string>(name: string, raw: unknown, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) {
    throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}, got "${String(raw).slice(0, 40)}"`);
  }
  return raw as T;
}

/** The overlay tile route. */
export function overlayRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/slides/:id/overlay_files/:level/:tile', async (req, res) => {
    const m = /^(\d{1,9})_(\d{1,9})\.png$/.exec(String(req.params.tile));
    if (!m) throw new InvalidArgumentError(`overlay tile must be COL_ROW.png, got "${String(req.params.tile).slice(0, 40)}"`);
    const level = parseIndex('level', String(req.params.level));
    const col = parseIndex('column', m[1]);
    const row = parseIndex('row', m[2]);
    const style = choice<OverlayStyle>('style', req.query.style, OVERLAY_STYLES, 'outline');
    const color = choice<OverlayColor>('color', req.query.color, OVERLAY_COLORS, 'instance');
    const slide = await ctx.library.get(String(req.params.id));
    const { width, height } = slide.info;
    const { tileSize, overlap } = ctx.options;
    const t = deepZoomTile({ width, height, tileSize, overlap }, level, col, row);
    const model = await ctx.nuclei.model();
    const pp = postprocessFromQuery(req.query, model.card);
    const grid = await ctx.nuclei.grid(slide);
    const downsample = 2 ** (deepZoomMaxLevel(width, height) - level);
    const onDemand = downsample <= ctx.options.overlayMaxDownsample;
    // Coarse tiles change as a run stores more tiles: their identity includes the store's progress.
    const storeState = onDemand ? '' : `/${(await ctx.nuclei.matchingStore(slide, pp))?.counts().tiles ?? 0}`;
    await sendImage(ctx, req, res, {
      slide,
      route: 'overlay',
      canonical: `ov/${tileSize}/${overlap}/${level}/${col}/${row}/${style}/${color}/${model.key}/${grid.tile}/${grid.halo}/${pp.key}${storeState}`,
      contentType: 'image/png',
      produce: async (signal) => {
        const nuclei = onDemand
          ? await ctx.nuclei.nucleiMeeting(slide, t.region, pp, signal)
          : await ctx.nuclei.storedNucleiMeeting(slide, t.region, pp);
        const rgba = renderOverlay(
          nuclei.map((n) => ({ instance: n.instance, id: n.feature.id })),
          t.region,
          t.width,
          t.height,
          { style, color, mpp: slide.info.mpp },
        );
        return sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length), { raw: { width: t.width, height: t.height, channels: 4 } })
          .png({ compressionLevel: 6 })
          .toBuffer();
      },
    });
  });
  return router;
}
