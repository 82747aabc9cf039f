/**
 * `GET /healthz` and `GET /metrics` (Prometheus text).
 */
import { Router } from 'express';
import type { ServerContext } from '../server-context.js';

/** The service routes. */
export function serviceRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok', slidesOpen: ctx.library.openCount });
  });
  router.get('/metrics', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/plain; version=0.0.4').send(ctx.metrics.registry.render());
  });
  return router;
}
