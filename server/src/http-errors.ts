/**
 * The server's edge: NucleiLens errors become JSON 4xx answers here and nowhere else
 * (docs/API.md: `{ "error": { "code", "message" } }`). Bugs become a 500 without details.
 */
import type { ErrorRequestHandler } from 'express';
import {
  AbortedError,
  CorruptInputError,
  InvalidArgumentError,
  NotFoundError,
  NucleiLensError,
  OutOfBoundsError,
  ShapeError,
  UnsupportedFormatError,
  isNucleiLensError,
} from '@nucleilens/pipeline';
import type { ServerLogger } from './options.js';

/** A request for more pixels than the server's configured limit (HTTP 413). */
export class RegionTooLargeError extends InvalidArgumentError {
  constructor(message: string) {
    super(message);
    this.name = 'RegionTooLargeError';
  }
}

/** The HTTP status for an error raised on purpose; 500 for anything else. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof RegionTooLargeError) return 413;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof UnsupportedFormatError || err instanceof CorruptInputError) return 422;
  if (err instanceof InvalidArgumentError || err instanceof OutOfBoundsError || err instanceof ShapeError) return 400;
  if (err instanceof NucleiLensError && err.code === 'BUSY') return 503;
  return 500;
}

/**
 * Express error middleware: answers `{ error: { code, message } }` with the mapped status.
 * Client errors are not logged (the slide library logs an unreadable slide once); a 500
 * logs its stack once. A request whose client left gets no answer.
 */
export function errorHandler(logger: ServerLogger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof AbortedError || (err as Error)?.name === 'AbortError') {
      if (!res.destroyed) res.status(499).end();
      return;
    }
    // Express's own parse errors (e.g. malformed percent-encoding) carry a 4xx status.
    const expressStatus = (err as { status?: number })?.status;
    const status = isNucleiLensError(err) ? httpStatusOf(err) : expressStatus && expressStatus < 500 ? expressStatus : 500;
    if (status === 500) logger.error(`${req.method} ${req.originalUrl}: ${(err as Error)?.stack ?? String(err)}`);
    if (status === 503) res.setHeader('Retry-After', '2');
    const body = isNucleiLensError(err)
      ? { error: { code: err.code, message: err.message } }
      : status < 500
        ? { error: { code: 'INVALID_ARGUMENT', message: (err as Error)?.message ?? 'bad request' } }
        : { error: { code: 'INTERNAL', message: 'internal server error' } };
    res.status(status).json(body);
  };
}
