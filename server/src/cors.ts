/**
 * Cross-origin headers for viewers served from another origin (a notebook, a static
 * OpenSeadragon page). Off unless configured.
 */
import type { RequestHandler } from 'express';
import type { CorsOption } from './options.js';

/** Middleware adding CORS headers for allowed origins and answering preflights. */
export function corsMiddleware(cors: CorsOption | undefined): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (cors && origin) {
      const allowed = cors === '*' || cors.includes(origin);
      if (allowed) {
        res.setHeader('Access-Control-Allow-Origin', cors === '*' ? '*' : origin);
        if (cors !== '*') res.append('Vary', 'Origin');
        res.setHeader('Access-Control-Expose-Headers', 'ETag, Content-Length, Retry-After');
      }
      if (req.method === 'OPTIONS' && allowed) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, DELETE, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Content-Type, If-None-Match');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
