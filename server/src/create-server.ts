/**
 * The Express app factory. It builds the app and its shared context and never listens:
 * the `serve` command and the tests bind it where they want. Routes are listed here
 * explicitly; the nuclei, overlay, probability and job routes join this list.
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
  /** Closes every open slide. Call after the HTTP server has stopped. */
  close(): Promise<void>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function createMetrics(ctx: () => ServerContext): ServerMetrics {
  const registry = new MetricsRegistry();
  const metrics: ServerMetrics = {
    registry,
    requests: registry.register(new Counter('nucleilens_http_requests_total', 'HTTP requests answered, by route and status.')),
    tileSeconds: registry.register(
      new Histogram('nucleilens_tile_duration_seconds', 'Time to answer an image request, by route and cache outcome.', LATENCY_BUCKETS),
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
  context = {
    options: opts,
    library: new SlideLibrary({ root: opts.slidesDir, cache: decodedCache, maxInMemoryPixels: opts.maxInMemoryPixels, logger: opts.logger }),
    decodedCache,
    encodedCache: createEncodedImageCache(opts.encodedCacheBytes),
    metrics,
    logger: opts.logger,
    logOnce(key, message) {
      if (logged.has(key)) return;
      // Bounded: a flood of distinct failures must not grow memory without limit.
      if (logged.size > 10_000) logged.clear();
      logged.add(key);
      opts.logger.warn(message);
    },
  };
  const ctx = context;

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
  for (const routes of [serviceRoutes, slideRoutes, deepZoomRoutes, iiifRoutes]) app.use(routes(ctx));
  // The viewer page: `/` (slide list), `/view/:id`, `/viewer-assets/*`.
  app.use(viewerRouter());
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path.slice(0, 200)}` } });
  });
  app.use(errorHandler(opts.logger));

  return {
    app,
    context: ctx,
    close: () => ctx.library.close(),
  };
}
