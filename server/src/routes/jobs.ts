/**
 * Whole-slide runs and their results: `POST /slides/:id/jobs` (post-processing parameters
 * in the query string or a JSON body), `GET /jobs/:id`, `GET /jobs/:id/events`
 * (Server-Sent Events: `progress` on every change, then `done`, `cancelled` or `failed`),
 * `DELETE /jobs/:id`, and the exports of the stored results,
 * `GET /slides/:id/export.geojson` (QuPath detections) and `/slides/:id/export.csv`.
 */
import express, { Router, type Request, type Response } from 'express';
import { AbortedError, InvalidArgumentError, NotFoundError } from '@nucleilens/pipeline';
import { isTerminal, type JobSummary } from '../jobs/job-manager.js';
import type { ServerContext } from '../server-context.js';
import { EXPORT_CONTENT_TYPES, exportResults } from '../store/export-results.js';

/** Post-processing overrides from the query string and a JSON object body (the body wins). */
function jobParams(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (k: string, v: unknown) => {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) out[k] = String(v);
    else throw new InvalidArgumentError(`job parameter ${k} must be a number or string`);
  };
  for (const [k, v] of Object.entries(req.query)) add(k, v);
  const body: unknown = req.body;
  if (body !== undefined && body !== null && !(typeof body === 'object' && !Array.isArray(body))) {
    throw new InvalidArgumentError('the job body must be a JSON object of post-processing parameters');
  }
  for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) add(k, v);
  return out;
}

function sse(res: Response, event: string, data: JobSummary): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Writes one chunk, waiting for the socket to drain, so an export of a million nuclei holds one chunk in memory. */
async function writeChunk(res: Response, text: string): Promise<void> {
  if (res.destroyed) throw new AbortedError('the client went away');
  if (!res.write(text)) await new Promise<void>((ok) => res.once('drain', ok).once('close', ok));
}

/** The job and export routes. */
export function jobRoutes(ctx: ServerContext): Router {
  const router = Router();
  const json = express.json({ limit: '16kb' });

  router.post('/slides/:id/jobs', json, async (req, res) => {
    const { job, created } = await ctx.jobs.start(String(req.params.id), jobParams(req));
    res.setHeader('Location', `/jobs/${job.id}`);
    res.status(created ? 202 : 200).json(job.summary);
  });

  router.get('/jobs', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await ctx.jobs.list());
  });

  router.get('/jobs/:id', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json((await ctx.jobs.get(String(req.params.id))).summary);
  });

  router.delete('/jobs/:id', async (req, res) => {
    res.json(await ctx.jobs.cancel(String(req.params.id)));
  });

  router.get('/jobs/:id/events', async (req, res) => {
    const job = await ctx.jobs.get(String(req.params.id));
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    const send = (s: JobSummary) => {
      sse(res, isTerminal(s.status) ? s.status : 'progress', s);
      if (isTerminal(s.status)) finish();
    };
    // A comment line every 15 s keeps proxies from closing an idle stream.
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const finish = () => {
      clearInterval(heartbeat);
      job.off('update', send);
      res.end();
    };
    res.on('close', finish);
    job.on('update', send);
    send(job.summary);
  });

  router.get('/slides/:id/export.:format', async (req, res) => {
    const format = String(req.params.format);
    if (format !== 'geojson' && format !== 'csv') throw new NotFoundError(`no export format "${format.slice(0, 20)}" (use export.geojson or export.csv)`);
    const slide = await ctx.library.get(String(req.params.id));
    const store = ctx.nuclei.store(slide);
    if (store.identity() === null || store.counts().tiles === 0) {
      throw new NotFoundError(`slide "${slide.id}" has no stored results: run POST /slides/${slide.id}/jobs first`);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Disposition', `attachment; filename="${slide.id}.${format}"`);
    res.type(EXPORT_CONTENT_TYPES[format]);
    await exportResults(store, slide.id, format, (text) => writeChunk(res, text));
    res.end();
  });

  return router;
}
