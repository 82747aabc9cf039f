/**
 * IIIF Image API 3.0: `GET /iiif/:id/info.json` and
 * `GET /iiif/:id/:region/:size/:rotation/:quality.:fmt`.
 */
import { Router, type Request } from 'express';
import { InvalidArgumentError } from '@nucleilens/pipeline';
import { iiifInfo, parseIiifRequest } from '../iiif.js';
import { answerIfFresh, makeEtag } from '../http-cache.js';
import { CONTENT_TYPES, encodeImage, readScaled } from '../render.js';
import { sendImage, type ServerContext } from '../server-context.js';

/** The IIIF routes. */
export function iiifRoutes(ctx: ServerContext): Router {
  const router = Router();
  const baseUrl = (req: Request) => ctx.options.publicUrl ?? `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;

  router.get('/iiif/:id', (req, res) => {
    res.redirect(303, `${req.originalUrl.replace(/\/+$/, '')}/info.json`);
  });

  router.get('/iiif/:id/info.json', async (req, res) => {
    const slide = await ctx.library.get(req.params.id);
    const id = `${baseUrl(req)}/iiif/${encodeURIComponent(slide.id)}`;
    if (answerIfFresh(req, res, makeEtag(slide.fingerprint, `iiif-info/${id}`), Math.min(60, ctx.options.tileMaxAge))) return;
    const info = slide.info;
    const scaleFactors: number[] = [];
    for (let f = 1; f <= info.levels[info.levels.length - 1].downsample * 1.01; f *= 2) scaleFactors.push(f);
    const sizes = info.levels
      .slice(1)
      .map((l) => ({ width: l.width, height: l.height }))
      .filter((s) => s.width * s.height <= ctx.options.maxRegionPixels)
      .reverse();
    const doc = iiifInfo(id, { width: info.width, height: info.height, tileSize: 256, scaleFactors, sizes }, ctx.options.maxRegionPixels);
    res.type('application/ld+json;profile="http://iiif.io/api/image/3/context.json"').send(JSON.stringify(doc));
  });

  router.get('/iiif/:id/:region/:size/:rotation/:file', async (req, res) => {
    const { id, region, size, rotation, file } = req.params;
    const dot = file.lastIndexOf('.');
    if (dot <= 0) throw new InvalidArgumentError(`IIIF: expected QUALITY.FORMAT, got "${file.slice(0, 40)}"`);
    const slide = await ctx.library.get(id);
    const r = parseIiifRequest(
      { region, size, rotation, quality: file.slice(0, dot), format: file.slice(dot + 1) },
      slide.info.width,
      slide.info.height,
      ctx.options.maxRegionPixels,
    );
    const q = ctx.options.quality;
    await sendImage(ctx, req, res, {
      slide,
      route: 'iiif',
      canonical: `iiif/${r.region.x},${r.region.y},${r.region.width},${r.region.height}/${r.width},${r.height}/${r.mirror ? '!' : ''}${r.rotation}/${r.gray ? 'gray' : 'color'}/${r.format}/${q}`,
      contentType: CONTENT_TYPES[r.format],
      produce: async (signal) => {
        const img = await readScaled(slide.reader, r.region, r.width, r.height, 4 * ctx.options.maxRegionPixels, signal);
        return encodeImage(img, { format: r.format, quality: q, rotation: r.rotation, mirror: r.mirror, gray: r.gray });
      },
    });
  });
  return router;
}
