/**
 * What every route module receives: options, the slide library, caches, metrics and the
 * logger. Routes are plain functions of this context, listed in create-server.ts.
 */
import { setMaxListeners } from 'node:events';
import type { Request, Response } from 'express';
import { CorruptInputError, type DecodedTileCache } from '@nucleilens/pipeline';
import { answerIfFresh, makeEtag, type EncodedImageCache } from './http-cache.js';
import { Counter, Histogram, MetricsRegistry } from './metrics.js';
import type { ResolvedServerOptions, ServerLogger } from './options.js';
import type { SlideContext } from './slide-context.js';
import type { SlideLibrary } from './slide-library.js';
import type { NucleiEngine } from './nuclei/nuclei-engine.js';
import type { JobManager } from './jobs/job-manager.js';

/** The metrics routes record into. */
export interface ServerMetrics {
  readonly registry: MetricsRegistry;
  readonly requests: Counter;
  readonly tileSeconds: Histogram;
  /** Network time per batch, by provider. */
  readonly inferenceSeconds: Histogram;
  /** Renders running now (a real count, not a queue). */
  inFlight: number;
}

/** Shared state of one server instance. */
export interface ServerContext {
  readonly options: ResolvedServerOptions;
  readonly library: SlideLibrary;
  readonly decodedCache: DecodedTileCache;
  readonly encodedCache: EncodedImageCache;
  readonly metrics: ServerMetrics;
  readonly logger: ServerLogger;
  /** Nuclei on demand: model, inference queue, probability and nuclei caches, result databases. */
  readonly nuclei: NucleiEngine;
  /** Whole-slide runs. */
  readonly jobs: JobManager;
  /** Logs `message` the first time `key` is seen (a damaged tile is reported once, not per request). */
  logOnce(key: string, message: string): void;
}

/**
 * An AbortSignal that fires when the client goes away before the answer is sent, so work
 * for a closed connection stops at the next tile.
 */
export function requestSignal(res: Response): AbortSignal {
  const ac = new AbortController();
  // Every tile a render waits on listens on this signal (and stops listening when it settles).
  setMaxListeners(0, ac.signal);
  res.on('close', () => {
    if (!res.writableFinished) ac.abort(new Error('client disconnected'));
  });
  return ac.signal;
}

/** One rendered image answer: identity of the image and how to produce it. */
export interface ImageAnswer {
  readonly slide: SlideContext;
  /** Route family, for metrics (`deepzoom`, `iiif`, `overlay`...). */
  readonly route: string;
  /** Canonical description of the output (same string = same bytes for this slide version). */
  readonly canonical: string;
  readonly contentType: string;
  produce(signal: AbortSignal): Promise<Buffer>;
}

/**
 * Answers with an image: 304 when the client's ETag matches, the cached bytes when hot,
 * otherwise renders (abortable), caches and sends. Records latency per route and cache outcome.
 */
export async function sendImage(ctx: ServerContext, req: Request, res: Response, a: ImageAnswer): Promise<void> {
  const started = performance.now();
  const etag = makeEtag(a.slide.fingerprint, a.canonical);
  if (answerIfFresh(req, res, etag, ctx.options.tileMaxAge)) {
    ctx.metrics.tileSeconds.observe((performance.now() - started) / 1000, { route: a.route, cache: 'not-modified' });
    return;
  }
  const cached = ctx.encodedCache.get(etag);
  if (cached) {
    res.type(cached.contentType).send(cached.bytes);
    ctx.metrics.tileSeconds.observe((performance.now() - started) / 1000, { route: a.route, cache: 'hit' });
    return;
  }
  ctx.metrics.inFlight++;
  try {
    const bytes = await a.produce(requestSignal(res));
    ctx.encodedCache.set(etag, { bytes, contentType: a.contentType });
    res.type(a.contentType).send(bytes);
    ctx.metrics.tileSeconds.observe((performance.now() - started) / 1000, { route: a.route, cache: 'miss' });
  } catch (err) {
    if (err instanceof CorruptInputError) ctx.logOnce(`${a.slide.id}\0${err.message}`, `slide "${a.slide.id}": ${err.message}`);
    throw err;
  } finally {
    ctx.metrics.inFlight--;
  }
}
