/**
 * Typed errors shared by every NucleiLens stage. Each carries a stable string `code` so
 * callers (server, CLI, worker boundaries) can map them without parsing messages.
 * Mapping to HTTP status or exit codes happens only at the edges (server, CLI).
 */

/** Stable machine-readable error codes. */
export type NucleiLensErrorCode =
  | 'SHAPE'
  | 'INVALID_ARGUMENT'
  | 'UNSUPPORTED_FORMAT'
  | 'OUT_OF_BOUNDS'
  | 'NOT_FOUND'
  | 'MODEL'
  | 'CORRUPT_INPUT'
  | 'ABORTED'
  | 'BUSY';

/** The plain shape an error takes when it crosses a worker or network boundary. */
export interface SerializedError {
  name: string;
  code: NucleiLensErrorCode;
  message: string;
}

/** Base class of every error NucleiLens raises on purpose. */
export class NucleiLensError extends Error {
  readonly code: NucleiLensErrorCode;
  constructor(code: NucleiLensErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NucleiLensError';
    this.code = code;
  }
  /** Plain JSON form that survives `postMessage` and HTTP bodies. */
  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Two rasters or a raster and its declared size disagree. */
export class ShapeError extends NucleiLensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SHAPE', message, options);
    this.name = 'ShapeError';
  }
}

/** A parameter is outside its documented range or of the wrong kind. */
export class InvalidArgumentError extends NucleiLensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
    this.name = 'InvalidArgumentError';
  }
}

/** A file is of a format NucleiLens cannot read (or a variant of it, e.g. JPEG 2000 SVS). */
export class UnsupportedFormatError extends NucleiLensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNSUPPORTED_FORMAT', message, options);
    this.name = 'UnsupportedFormatError';
  }
}

/** A file claims a known format but its bytes are damaged or truncated. */
export class CorruptInputError extends NucleiLensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CORRUPT_INPUT', message, options);
    this.name = 'CorruptInputError';
  }
}

/** A region or index lies outside the raster or slide. */
export class OutOfBoundsError extends NucleiLensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OUT_OF_BOUNDS', message, options);
    this.name = 'OutOfBoundsError';
  }
}

/** A named file, slide or model does not exist. */
export class NotFoundError extends NucleiLensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
    this.name = 'NotFoundError';
  }
}

/** The network model could not be loaded or run. */
export class ModelError extends NucleiLensError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL', message, options);
    this.name = 'ModelError';
  }
}

/** Work was cancelled through an AbortSignal. */
export class AbortedError extends NucleiLensError {
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super('ABORTED', message, options);
    this.name = 'AbortedError';
  }
}

/** Throws {@link AbortedError} when `signal` has fired; call it between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
}

/** True for errors raised on purpose by NucleiLens (as opposed to bugs). */
export function isNucleiLensError(err: unknown): err is NucleiLensError {
  return err instanceof NucleiLensError;
}

/** Rebuilds an error that crossed a boundary as {@link SerializedError}. */
export function deserializeError(plain: SerializedError): NucleiLensError {
  const err = new NucleiLensError(plain.code, plain.message);
  err.name = plain.name;
  return err;
}
