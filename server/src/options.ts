/**
 * Server options with their defaults, validated once when the server is created.
 */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError, type ExecutionProviderPreference } from '@nucleilens/pipeline';

/** Where the server writes its log lines. */
export interface ServerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Cross-origin access: `'*'` for any origin, or an allow-list of origins. */
export type CorsOption = '*' | readonly string[];

/** Options of `createServer`. Only `slidesDir` is required. */
export interface ServerOptions {
  /** Folder holding the slides; nothing outside it is served. */
  readonly slidesDir: string;
  /** CORS; default: no cross-origin headers. */
  readonly cors?: CorsOption;
  /** Largest output image (and a quarter of the largest level read) in pixels; default 10,000,000. */
  readonly maxRegionPixels?: number;
  /** Decoded-tile cache budget shared by all slides; default 256 MiB. */
  readonly decodedCacheBytes?: number;
  /** Encoded (JPEG/PNG/WebP) tile cache budget; default 64 MiB. */
  readonly encodedCacheBytes?: number;
  /** Largest plain image held whole in memory; default 100 megapixels. */
  readonly maxInMemoryPixels?: number;
  /** DeepZoom tile size and overlap; default 254 and 1. */
  readonly tileSize?: number;
  readonly overlap?: number;
  /** JPEG/WebP quality of served tiles; default 85. */
  readonly quality?: number;
  /** Cache-Control max-age for tiles in seconds; default 3600. */
  readonly tileMaxAge?: number;
  /** Absolute base URL used in IIIF ids when behind a proxy; default from the request's Host. */
  readonly publicUrl?: string;
  readonly logger?: ServerLogger;
  /** Model name or path for nuclei (`loadModel`'s argument); default `models/default.json`. */
  readonly model?: string;
  /** Execution provider: `auto` (CUDA when it loads, else CPU; default), `cuda` or `cpu`. */
  readonly executionProvider?: ExecutionProviderPreference;
  /** Inference worker threads; default 1. */
  readonly inferenceWorkers?: number;
  /** Intra-op threads per inference worker; default the machine's parallelism divided among the workers. */
  readonly inferenceThreads?: number;
  /** Post-processing worker threads (compute tiles of one request run in parallel); default one per core, at most 4. */
  readonly postprocessWorkers?: number;
  /** Compute tiles per network pass; default 8 on CUDA, 1 on the CPU. */
  readonly inferenceBatch?: number;
  /** Interactive compute tiles allowed to wait for inference before requests get 503; default 32. */
  readonly maxQueuedTiles?: number;
  /** Compressed probability cache budget; default 256 MiB. */
  readonly probCacheBytes?: number;
  /** Post-processed nuclei cache budget; default 128 MiB. */
  readonly nucleiCacheBytes?: number;
  /**
   * Folder for the disk probability cache, the per-slide result databases and job records;
   * default none: everything in memory, and jobs do not survive a restart.
   */
  readonly cacheDir?: string;
  /** Compute tile core and halo in level-0 px; default the model card's (512 and 64). */
  readonly computeTile?: number;
  readonly computeHalo?: number;
  /** Coarsest overlay downsample computed on demand; coarser levels show stored run results only. Default 2. */
  readonly overlayMaxDownsample?: number;
  /** Restart unfinished whole-slide runs found in `cacheDir` when the server is created; default true. */
  readonly resumeJobs?: boolean;
}

type OptionalKeys = 'cors' | 'publicUrl' | 'model' | 'inferenceBatch' | 'cacheDir' | 'computeTile' | 'computeHalo';

/** Options with every default applied. */
export type ResolvedServerOptions = Required<Omit<ServerOptions, OptionalKeys>> & Pick<ServerOptions, OptionalKeys>;

/** Log lines to stderr with a timestamp. */
export const stderrLogger: ServerLogger = {
  info: (m) => process.stderr.write(`${new Date().toISOString()} info  ${m}\n`),
  warn: (m) => process.stderr.write(`${new Date().toISOString()} warn  ${m}\n`),
  error: (m) => process.stderr.write(`${new Date().toISOString()} error ${m}\n`),
};

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

/**
 * Applies defaults and checks ranges.
 * @throws {InvalidArgumentError} naming the bad option.
 */
export function resolveServerOptions(o: ServerOptions): ResolvedServerOptions {
  if (!o.slidesDir) throw new InvalidArgumentError('slidesDir is required');
  const r: ResolvedServerOptions = {
    slidesDir: o.slidesDir,
    cors: o.cors,
    publicUrl: o.publicUrl?.replace(/\/+$/, ''),
    maxRegionPixels: positiveInt('maxRegionPixels', o.maxRegionPixels ?? 10_000_000),
    decodedCacheBytes: positiveInt('decodedCacheBytes', o.decodedCacheBytes ?? 256 * 1024 * 1024, 0),
    encodedCacheBytes: positiveInt('encodedCacheBytes', o.encodedCacheBytes ?? 64 * 1024 * 1024, 0),
    maxInMemoryPixels: positiveInt('maxInMemoryPixels', o.maxInMemoryPixels ?? 100_000_000),
    tileSize: positiveInt('tileSize', o.tileSize ?? 254, 16),
    overlap: positiveInt('overlap', o.overlap ?? 1, 0),
    quality: positiveInt('quality', o.quality ?? 85),
    tileMaxAge: positiveInt('tileMaxAge', o.tileMaxAge ?? 3600, 0),
    logger: o.logger ?? stderrLogger,
    model: o.model,
    executionProvider: o.executionProvider ?? 'auto',
    inferenceWorkers: positiveInt('inferenceWorkers', o.inferenceWorkers ?? 1),
    inferenceThreads: positiveInt('inferenceThreads', o.inferenceThreads ?? Math.max(1, Math.floor(availableParallelism() / (o.inferenceWorkers ?? 1)))),
    postprocessWorkers: positiveInt('postprocessWorkers', o.postprocessWorkers ?? Math.min(4, availableParallelism()), 0),
    inferenceBatch: o.inferenceBatch === undefined ? undefined : positiveInt('inferenceBatch', o.inferenceBatch),
    maxQueuedTiles: positiveInt('maxQueuedTiles', o.maxQueuedTiles ?? 32),
    probCacheBytes: positiveInt('probCacheBytes', o.probCacheBytes ?? 256 * 1024 * 1024, 0),
    nucleiCacheBytes: positiveInt('nucleiCacheBytes', o.nucleiCacheBytes ?? 128 * 1024 * 1024, 0),
    cacheDir: o.cacheDir,
    computeTile: o.computeTile === undefined ? undefined : positiveInt('computeTile', o.computeTile, 32),
    computeHalo: o.computeHalo === undefined ? undefined : positiveInt('computeHalo', o.computeHalo, 0),
    overlayMaxDownsample: positiveInt('overlayMaxDownsample', o.overlayMaxDownsample ?? 2),
    resumeJobs: o.resumeJobs ?? true,
  };
  if (!['auto', 'cuda', 'cpu'].includes(r.executionProvider)) {
    throw new InvalidArgumentError(`executionProvider must be auto, cuda or cpu, got "${String(r.executionProvider)}"`);
  }
  if (r.quality > 100) throw new InvalidArgumentError(`quality must be in 1..100, got ${r.quality}`);
  return r;
}
