/**
 * The Express app factory. It builds the app and its shared context and never listens:
 * the `serve` command and the tests bind it where they want. Routes are listed here
 * explicitly. Nuclei need a model: it is loaded (in worker threads) on the first nuclei
 * request, so a server without one still serves image tiles.
 */
import express, { type Express } from 'express';
import { createDecodedTileCache } from '@nucleilens/pipeline';
import { corsMiddleware } from './cors.js';
import { createEncodedImageCache } from './http-cache.js';
import { errorHandler } from './http-errors.js';
import { CallbackGauge, Counter, Histogram, MetricsRegistry } from './metrics.js';
import { resolveServerOptions, type ServerOptions } from './options.js';
import { deepZoomRoutes } from './routes/deepzoom.js';
import { iiifRoutes } from './routes/iiif.js';
import { jobRoutes } from './routes/jobs.js';
import { nucleiRoutes } from './routes/nuclei.js';
import { overlayRoutes } from './routes/overlay.js';
import { JobManager } from './jobs/job-manager.js';
import { NucleiEngine } from './nuclei/nuclei-engine.js';
import { serviceRoutes } from './routes/service.js';
import { slideRoutes } from './routes/slides.js';
import type { ServerContext, ServerMetrics } from './server-context.js';
import { SlideLibrary } from './slide-library.js';
import { viewerRouter } from '@nucleilens/viewer-plugin/router';

/** A created (not yet listening) server. */
export interface NucleiLensServer {
  /** The request handler: pass to `http.createServer` or call `app.listen`. */
  readonly app: Express;
  /** Shared state, for routes added by embedding code and for tests. */
  readonly context: ServerContext;
  /**
   * Stops whole-slide runs (they resume on the next start with the same cache folder), the
   * inference workers and the result databases, and closes every open slide. Call after the
   * HTTP server has stopped.
   */
  close(): Promise<void>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const INFERENCE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function createMetrics(ctx: () => ServerContext): ServerMetrics {
  const registry = new MetricsRegistry();
  const metrics: ServerMetrics = {
    registry,
    requests: registry.register(new Counter('nucleilens_http_requests_total', 'HTTP requests answered, by route and status.')),
    tileSeconds: registry.register(
      new Histogram('nucleilens_tile_duration_seconds', 'Time to answer an image request, by route and cache outcome.', LATENCY_BUCKETS),
    ),
    inferenceSeconds: registry.register(
      new Histogram('nucleilens_inference_duration_seconds', 'Network time per batch of compute tiles, by provider and batch size.', INFERENCE_BUCKETS),
    ),
    inFlight: 0,
  };
  const gauge = (name: string, help: string, read: () => number, type: 'gauge' | 'counter' = 'gauge') =>
    registry.register(new CallbackGauge(name, help, read, type));
  gauge('nucleilens_renders_in_flight', 'Image renders running now.', () => metrics.inFlight);
  gauge('nucleilens_slides_open', 'Slides open now.', () => ctx().library.openCount);
  gauge('nucleilens_decoded_tile_cache_hits_total', 'Decoded slide tiles served from memory.', () => ctx().decodedCache.stats().hits, 'counter');
  gauge('nucleilens_decoded_tile_cache_misses_total', 'Decoded slide tiles that had to be decoded.', () => ctx().decodedCache.stats().misses, 'counter');
  gauge('nucleilens_decoded_tile_cache_bytes', 'Bytes held by the decoded-tile cache.', () => ctx().decodedCache.stats().bytes);
  gauge('nucleilens_encoded_image_cache_hits_total', 'Encoded images served from memory.', () => ctx().encodedCache.stats().hits, 'counter');
  gauge('nucleilens_encoded_image_cache_misses_total', 'Encoded images that had to be rendered.', () => ctx().encodedCache.stats().misses, 'counter');
  gauge('nucleilens_encoded_image_cache_bytes', 'Bytes held by the encoded-image cache.', () => ctx().encodedCache.stats().bytes);
  const engine = () => ctx().nuclei.stats();
  gauge('nucleilens_inference_queue_depth', 'Compute tiles waiting for an inference worker.', () => engine().queue.queued);
  gauge('nucleilens_inference_running', 'Compute tiles being read or inferred now.', () => engine().queue.running);
  gauge('nucleilens_inference_coalesced_total', 'Compute tile requests that joined an identical one in flight.', () => engine().queue.coalesced, 'counter');
  gauge('nucleilens_inference_dropped_total', 'Queued compute tiles dropped unstarted because every client left.', () => engine().queue.dropped, 'counter');
  gauge('nucleilens_inference_refused_total', 'Compute tile requests refused with 503 because the queue was full.', () => engine().queue.refused, 'counter');
  gauge('nucleilens_compute_tiles_inferred_total', 'Compute tiles run through the network.', () => engine().tilesInferred, 'counter');
  gauge('nucleilens_prob_cache_hits_total', 'Compute tile probabilities served from memory.', () => engine().probs.memoryHits, 'counter');
  gauge('nucleilens_prob_cache_disk_hits_total', 'Compute tile probabilities read back from the disk cache.', () => engine().probs.diskHits, 'counter');
  gauge('nucleilens_prob_cache_misses_total', 'Compute tile probabilities that had to be inferred.', () => engine().probs.misses, 'counter');
  gauge('nucleilens_prob_cache_bytes', 'Compressed bytes held by the probability cache.', () => engine().probs.bytes);
  gauge('nucleilens_nuclei_cache_hits_total', 'Post-processed compute tiles served from memory.', () => engine().nucleiCache.hits, 'counter');
  gauge('nucleilens_nuclei_cache_misses_total', 'Compute tiles post-processed for a parameter set.', () => engine().nucleiCache.misses, 'counter');
  gauge('nucleilens_marker_cut_hits_total', "Post-processing runs that reused a tile's marker watershed (mask parameters changed only).", () => engine().markerCuts.hits, 'counter');
  gauge('nucleilens_marker_cut_misses_total', 'Post-processing runs of the paper recipe that computed the marker watershed.', () => engine().markerCuts.misses, 'counter');
  gauge('nucleilens_compute_tiles_from_store_total', 'Compute tiles answered from a whole-slide run database.', () => engine().tilesFromStore, 'counter');
  return metrics;
}

/**
 * Creates the tile server app.
 * @throws {InvalidArgumentError} for invalid options.
 * @example
 * const server = createServer({ slidesDir: 'slides' });
 * const http = server.app.listen(8000, '127.0.0.1');
 * // ...later
 * http.close(); await server.close();
 */
export function createServer(options: ServerOptions): NucleiLensServer {
  const opts = resolveServerOptions(options);
  const decodedCache = createDecodedTileCache(opts.decodedCacheBytes);
  const logged = new Set<string>();
  let context: ServerContext | undefined;
  const metrics = createMetrics(() => context!);
  const logOnce = (key: string, message: string) => {
    if (logged.has(key)) return;
    // Bounded: a flood of distinct failures must not grow memory without limit.
    if (logged.size > 10_000) logged.clear();
    logged.add(key);
    opts.logger.warn(message);
  };
  const library = new SlideLibrary({ root: opts.slidesDir, cache: decodedCache, maxInMemoryPixels: opts.maxInMemoryPixels, logger: opts.logger });
  const nuclei = new NucleiEngine({
    model: opts.model,
    executionProvider: opts.executionProvider,
    workers: opts.inferenceWorkers,
    threads: opts.inferenceThreads,
    batch: opts.inferenceBatch,
    postWorkers: opts.postprocessWorkers,
    maxQueuedTiles: opts.maxQueuedTiles,
    probCacheBytes: opts.probCacheBytes,
    nucleiCacheBytes: opts.nucleiCacheBytes,
    cacheDir: opts.cacheDir,
    tile: opts.computeTile,
    halo: opts.computeHalo,
    logOnce,
    onBatch: (size, ms, provider) => metrics.inferenceSeconds.observe(ms / 1000, { provider, batch: String(size) }),
  });
  context = {
    options: opts,
    library,
    decodedCache,
    encodedCache: createEncodedImageCache(opts.encodedCacheBytes),
    metrics,
    logger: opts.logger,
    nuclei,
    jobs: new JobManager({ library, engine: nuclei, cacheDir: opts.cacheDir, logger: opts.logger }),
    logOnce,
  };
  const ctx = context;
  if (opts.resumeJobs && opts.cacheDir) {
    void ctx.jobs.resumeUnfinished().catch((err: unknown) => opts.logger.error(`resuming jobs: ${(err as Error)?.message ?? String(err)}`));
  }

  const app = express();
  app.disable('x-powered-by');
  // Routes set their own strong ETags before rendering; Express's body hashing would only add cost.
  app.set('etag', false);
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      ctx.metrics.requests.inc({ route: String(route), status: String(res.statusCode) });
    });
    next();
  });
  app.use(corsMiddleware(opts.cors));
  for (const routes of [serviceRoutes, slideRoutes, deepZoomRoutes, iiifRoutes, nucleiRoutes, overlayRoutes, jobRoutes]) app.use(routes(ctx));
  // The viewer page: `/` (slide list), `/view/:id`, `/viewer-assets/*`.
  app.use(viewerRouter());
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path.slice(0, 200)}` } });
  });
  app.use(errorHandler(opts.logger));

  return {
    app,
    context: ctx,
    async close() {
      await ctx.jobs.close();
      await ctx.nuclei.close();
      await ctx.library.close();
    },
  };
}
