/**
 * Nuclei on demand: for a slide and a compute tile, the probabilities (cache, else the
 * inference queue), then post-processing with the request's parameters, measurement and
 * the ownership rule, cached per tile and parameters; for a rectangle, the union over the
 * compute tiles whose core meets it, taken from a whole-slide run's database where that
 * run finished the tile with the same parameters. One engine per server.
 */
import { stat } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbortedError,
  ByteLruCache,
  DEFAULT_STAIN_TARGET,
  SharedLoads,
  cellKey,
  cellsMeeting,
  computeGrid,
  markerCutKey,
  rectHoldsPoint,
  rectsMeet,
  resolveModel,
  toGeoJson,
  type ExecutionProviderName,
  type ExecutionProviderPreference,
  type ComputeCell,
  type ComputeGrid,
  type MarkerCut,
  type ModelCard,
  type NucleusFeature,
  type NucleusInstance,
  type Rect,
} from '@nucleilens/pipeline';
import type { SlideContext } from '../slide-context.js';
import { InferenceQueue, type QueuePriority, type QueueStats } from '../inference/inference-queue.js';
import { WorkerRunner } from '../inference/worker-runner.js';
import { ResultStore, type RunIdentity } from '../store/result-store.js';
import { ProbCache, type ProbCacheStats, type ProbPair } from './prob-cache.js';
import type { ResolvedPostprocess } from './postprocess-query.js';
import { slideAnalysis } from './slide-analysis.js';
import { PostPool } from './post-pool.js';

/** The model the engine runs, once loaded. */
export interface EngineModel {
  readonly card: ModelCard;
  readonly onnxPath: string;
  /** Changes when the ONNX file does: part of every cache key and run identity. */
  readonly key: string;
  readonly provider: ExecutionProviderName;
  readonly fallbackReason: string | null;
}

/** Options of {@link NucleiEngine}. */
export interface NucleiEngineOptions {
  /** Model name or path (`loadModel`'s argument); default `models/default.json`. */
  readonly model?: string;
  readonly executionProvider: ExecutionProviderPreference;
  /** Inference worker threads and intra-op threads per worker. */
  readonly workers: number;
  readonly threads: number;
  /** Windows per batch; default by provider (8 on CUDA, 1 on CPU). */
  readonly batch?: number;
  /** Interactive compute tiles allowed to wait for inference. */
  readonly maxQueuedTiles: number;
  readonly probCacheBytes: number;
  readonly nucleiCacheBytes: number;
  /** Folder for the disk probability cache and result databases; memory only when undefined. */
  readonly cacheDir?: string;
  /** Compute tile core and halo; default the model card's. */
  readonly tile?: number;
  readonly halo?: number;
  /** Post-processing worker threads (0: on the calling thread). */
  readonly postWorkers: number;
  /** Told after each network pass (metrics). */
  readonly onBatch?: (size: number, inferenceMs: number, provider: ExecutionProviderName) => void;
  readonly logOnce: (key: string, message: string) => void;
}

/** One compute tile's owned nuclei for one parameter set. */
export interface TileNuclei {
  readonly cell: ComputeCell;
  readonly instances: readonly NucleusInstance[];
  readonly features: readonly NucleusFeature[];
}

/** A nucleus and the compute tile that owns it. */
export interface OwnedNucleus {
  readonly col: number;
  readonly row: number;
  readonly instance: NucleusInstance;
  readonly feature: NucleusFeature;
}

/** Counters for metrics. */
export interface EngineStats {
  readonly queue: QueueStats;
  readonly probs: ProbCacheStats;
  readonly nucleiCache: { hits: number; misses: number; bytes: number };
  /** Marker cuts: a hit is a threshold change that skipped the tile's marker watershed. */
  readonly markerCuts: { hits: number; misses: number; bytes: number };
  /** Compute tiles run through the network since start. */
  readonly tilesInferred: number;
  /** Compute tiles answered from a run's database. */
  readonly tilesFromStore: number;
}

function instanceBytes(n: NucleusInstance): number {
  // Outline points dominate (two numbers in the instance, two in the feature).
  return 600 + n.outline.length * 64;
}

/**
 * Runs `work` for every item with one shared abort: the first failure aborts the rest, so a
 * refused tile does not leave its siblings queued for a client that got an error.
 */
async function allOrAbort<T, R>(items: readonly T[], signal: AbortSignal | undefined, work: (item: T, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const ac = new AbortController();
  const forward = () => ac.abort(signal?.reason);
  if (signal?.aborted) forward();
  signal?.addEventListener('abort', forward, { once: true });
  try {
    return await Promise.all(
      items.map((item) =>
        work(item, ac.signal).catch((err: unknown) => {
          ac.abort(err);
          throw err;
        }),
      ),
    );
  } finally {
    signal?.removeEventListener('abort', forward);
  }
}

/**
 * @example
 * const engine = new NucleiEngine({ executionProvider: 'auto', workers: 1, threads: 2, maxQueuedTiles: 32, ... });
 * const features = await engine.nucleiInRect(slide, { x: 0, y: 0, width: 1024, height: 1024 }, pp, signal);
 */
export class NucleiEngine {
  private loading: { runner: WorkerRunner; model: Promise<EngineModel>; queue: InferenceQueue } | undefined;
  private readonly probCache: ProbCache;
  private readonly nucleiCache: ByteLruCache<string, TileNuclei>;
  /** Per compute tile and marker parameters: what a mask threshold change reuses. */
  private readonly markerCuts: ByteLruCache<string, MarkerCut>;
  private readonly postLoads = new SharedLoads<string, TileNuclei>();
  private readonly stores = new Map<string, ResultStore>();
  private tilesInferred = 0;
  private tilesFromStore = 0;
  private closed = false;
  private readonly post: PostPool;

  constructor(private readonly options: NucleiEngineOptions) {
    this.post = new PostPool(options.postWorkers);
    const probDir = options.cacheDir ? join(options.cacheDir, 'probs') : undefined;
    this.probCache = new ProbCache(options.probCacheBytes, probDir, (m) => options.logOnce(m, m));
    this.nucleiCache = new ByteLruCache(options.nucleiCacheBytes, (t) => 256 + t.instances.reduce((s, n) => s + instanceBytes(n), 0));
    // Half the nuclei budget again: a cut is 4 bytes per line pixel, tens of kB per tile.
    this.markerCuts = new ByteLruCache(Math.floor(options.nucleiCacheBytes / 2), (c) => 128 + (c.lines?.byteLength ?? 0));
  }

  private start(): { runner: WorkerRunner; model: Promise<EngineModel>; queue: InferenceQueue } {
    if (this.loading) return this.loading;
    // Work still settling after close() must not start a fresh set of workers (they would keep the process alive).
    if (this.closed) throw new AbortedError('the server is closed');
    const o = this.options;
    const runner = new WorkerRunner({
      model: o.model ?? 'default',
      executionProvider: o.executionProvider,
      threads: o.threads,
      workers: o.workers,
      batch: o.batch,
      target: DEFAULT_STAIN_TARGET.vahadane,
    });
    let provider: ExecutionProviderName = 'cpu';
    const model = (async (): Promise<EngineModel> => {
      // Resolve on this thread first: a missing model is a NotFoundError here, before any worker starts.
      const resolved = await resolveModel(o.model ?? 'default');
      const st = await stat(resolved.onnxPath);
      const info = await runner.info;
      provider = info.provider;
      return {
        card: resolved.card,
        onnxPath: resolved.onnxPath,
        key: `${resolved.card.name}:${st.size.toString(36)}:${Math.floor(st.mtimeMs).toString(36)}`,
        provider: info.provider,
        fallbackReason: info.fallbackReason,
      };
    })();
    const queue = new InferenceQueue(runner, { maxQueued: o.maxQueuedTiles, onBatch: (n, ms) => o.onBatch?.(n, ms, provider) });
    const loading = { runner, model, queue };
    this.loading = loading;
    model.catch(() => {
      // Forget a failed load so a later request tries again (e.g. once the model is installed).
      if (this.loading === loading) this.loading = undefined;
      void runner.close();
    });
    return loading;
  }

  /**
   * The loaded model.
   * @throws {NotFoundError} no such model; {@link ModelError} when it cannot be loaded.
   */
  async model(): Promise<EngineModel> {
    return this.start().model;
  }

  /** The slide's compute grid (tile and halo from the options, else the model card). */
  async grid(slide: SlideContext): Promise<ComputeGrid> {
    const { card } = await this.model();
    return computeGrid(slide.info.width, slide.info.height, this.options.tile ?? card.tile, this.options.halo ?? card.halo);
  }

  /** What a whole-slide run with `pp` on `slide` is computed from. */
  async runIdentity(slide: SlideContext, pp: ResolvedPostprocess): Promise<RunIdentity> {
    const [model, grid] = await Promise.all([this.model(), this.grid(slide)]);
    return { slideFingerprint: slide.fingerprint, modelKey: model.key, tile: grid.tile, halo: grid.halo, paramsKey: pp.key };
  }

  private async probKey(slide: SlideContext, cell: ComputeCell): Promise<string> {
    const [model, grid] = await Promise.all([this.model(), this.grid(slide)]);
    return `${slide.id}|${slide.fingerprint}|${model.key}|${grid.tile}|${grid.halo}|${cellKey(cell.col, cell.row)}`;
  }

  /**
   * Compute tile `cell`'s probabilities over its region: from the cache, else inferred
   * through the queue (coalesced with identical requests).
   * @throws {QueueFullError} when the queue is full (interactive priority);
   *   {@link AbortedError} when `signal` fires first; reader and model errors.
   */
  async probs(slide: SlideContext, cell: ComputeCell, signal?: AbortSignal, priority: QueuePriority = 'interactive'): Promise<ProbPair> {
    const key = await this.probKey(slide, cell);
    const cached = await this.probCache.get(key);
    if (cached) return cached;
    const analysis = await slideAnalysis(slide);
    const { queue } = this.start();
    const { region } = cell;
    return queue.submit(
      key,
      {
        batchKey: `${region.width}x${region.height}`,
        priority,
        prepare: async (sig) => {
          const rgb = await slide.reader.readRegion(region, 0, sig);
          return { width: rgb.width, height: rgb.height, rgb: rgb.data, stain: analysis.stain };
        },
        finish: async (out) => {
          this.tilesInferred++;
          await this.probCache.set(key, out);
          return out;
        },
      },
      signal,
    );
  }

  /**
   * The nuclei compute tile `cell` owns with parameters `pp`: post-processing of its cached
   * probabilities, measurement (with the slide's colours and stain) and the ownership rule.
   */
  async tileNuclei(
    slide: SlideContext,
    cell: ComputeCell,
    pp: ResolvedPostprocess,
    signal?: AbortSignal,
    priority: QueuePriority = 'interactive',
  ): Promise<TileNuclei> {
    const probKey = await this.probKey(slide, cell);
    const key = `${probKey}|${pp.key}`;
    const hit = this.nucleiCache.get(key);
    if (hit) return hit;
    return this.postLoads.get(key, signal, async (sig) => {
      const [probs, grid, analysis] = await Promise.all([this.probs(slide, cell, sig, priority), this.grid(slide), slideAnalysis(slide)]);
      const image = await slide.reader.readRegion(cell.region, 0, sig);
      const mpp = slide.info.mpp;
      const cutKey = markerCutKey(pp.params);
      const cutCacheKey = cutKey === undefined ? undefined : `${probKey}|${cutKey}`;
      const markerCut = cutCacheKey === undefined ? undefined : this.markerCuts.get(cutCacheKey);
      const { instances, markerCut: computedCut } = await this.post.run({
        grid,
        cell,
        mask: probs.mask,
        marker: probs.marker,
        image,
        stain: analysis.stain,
        params: pp.params,
        ...(mpp !== undefined && mpp > 0 && { mpp }),
        ...(markerCut && { markerCut }),
      });
      if (computedCut && cutCacheKey !== undefined) this.markerCuts.set(cutCacheKey, computedCut);
      const result: TileNuclei = { cell, instances, features: toGeoJson(instances, { idNamespace: slide.id }).features };
      this.nucleiCache.set(key, result);
      return result;
    });
  }

  /** The slide's result database (opened once; in memory without a cache folder). */
  store(slide: SlideContext): ResultStore {
    let s = this.stores.get(slide.id);
    if (!s) {
      let path = ':memory:';
      if (this.options.cacheDir) {
        const dir = join(this.options.cacheDir, 'results');
        mkdirSync(dir, { recursive: true });
        path = join(dir, `${slide.id}.sqlite`);
      }
      s = ResultStore.open(path);
      this.stores.set(slide.id, s);
    }
    return s;
  }

  /** The slide's store when it holds a run computed with `pp`, else undefined. */
  async matchingStore(slide: SlideContext, pp: ResolvedPostprocess): Promise<ResultStore | undefined> {
    const store = this.store(slide);
    return store.matches(await this.runIdentity(slide, pp)) ? store : undefined;
  }

  /**
   * Owned nuclei of every compute tile whose core meets `cells`' rectangle, per tile in
   * row-major order: from the run database where it finished the tile with `pp`, else computed.
   */
  private async collect(slide: SlideContext, cells: readonly ComputeCell[], pp: ResolvedPostprocess, storeRect: Rect, select: 'centroid' | 'bbox', signal?: AbortSignal): Promise<OwnedNucleus[][]> {
    const store = await this.matchingStore(slide, pp);
    const stored = new Map<string, OwnedNucleus[]>();
    const storedCells = store ? cells.filter((c) => store.isDone(c.col, c.row)) : [];
    if (store && storedCells.length > 0) {
      const rows = select === 'centroid' ? store.nucleiInRect(storeRect) : store.nucleiMeeting(storeRect);
      for (const c of storedCells) stored.set(cellKey(c.col, c.row), []);
      const byCell = new Map<string, { col: number; row: number; list: NucleusInstance[] }>();
      for (const r of rows) {
        const k = cellKey(r.col, r.row);
        if (!stored.has(k)) continue;
        let cell = byCell.get(k);
        if (!cell) byCell.set(k, (cell = { col: r.col, row: r.row, list: [] }));
        cell.list.push(r.instance);
      }
      for (const [k, { col, row, list }] of byCell) {
        const features = toGeoJson(list, { idNamespace: slide.id }).features;
        stored.set(k, list.map((instance, i) => ({ col, row, instance, feature: features[i] })));
      }
      this.tilesFromStore += storedCells.length;
    }
    return allOrAbort(cells, signal, async (cell, sig) => {
      const fromStore = stored.get(cellKey(cell.col, cell.row));
      if (fromStore) return fromStore;
      const t = await this.tileNuclei(slide, cell, pp, sig);
      return t.instances.map((instance, i) => ({ col: cell.col, row: cell.row, instance, feature: t.features[i] }));
    });
  }

  /**
   * Nuclei whose centroid lies in `rect` (level-0 px, half-open), owned by the compute tiles
   * whose core meets it, in row-major tile order, then label order.
   */
  async nucleiInRect(slide: SlideContext, rect: Rect, pp: ResolvedPostprocess, signal?: AbortSignal): Promise<OwnedNucleus[]> {
    const grid = await this.grid(slide);
    const perCell = await this.collect(slide, cellsMeeting(grid, rect), pp, rect, 'centroid', signal);
    return perCell.flat().filter((n) => rectHoldsPoint(rect, n.instance.centroid.x, n.instance.centroid.y));
  }

  /**
   * Nuclei whose bounding box meets `rect`: those of the compute tiles whose core meets
   * `rect` grown by the halo (a nucleus reaches at most a halo beyond its owner's core).
   */
  async nucleiMeeting(slide: SlideContext, rect: Rect, pp: ResolvedPostprocess, signal?: AbortSignal): Promise<OwnedNucleus[]> {
    const grid = await this.grid(slide);
    const grown = { x: rect.x - grid.halo, y: rect.y - grid.halo, width: rect.width + 2 * grid.halo, height: rect.height + 2 * grid.halo };
    const perCell = await this.collect(slide, cellsMeeting(grid, grown), pp, rect, 'bbox', signal);
    return perCell.flat().filter((n) => rectsMeet(rect, n.instance.bbox));
  }

  /** Nuclei of a finished run meeting `rect`, without computing anything (coarse overlay levels). */
  async storedNucleiMeeting(slide: SlideContext, rect: Rect, pp: ResolvedPostprocess): Promise<OwnedNucleus[]> {
    const store = await this.matchingStore(slide, pp);
    if (!store) return [];
    const rows = store.nucleiMeeting(rect);
    const features = toGeoJson(rows.map((r) => r.instance), { idNamespace: slide.id }).features;
    return rows.map((r, i) => ({ col: r.col, row: r.row, instance: r.instance, feature: features[i] }));
  }

  stats(): EngineStats {
    const n = this.nucleiCache.stats();
    const c = this.markerCuts.stats();
    return {
      queue: this.loading?.queue.stats() ?? { queued: 0, running: 0, coalesced: 0, dropped: 0, refused: 0, completed: 0, failed: 0 },
      probs: this.probCache.stats(),
      nucleiCache: { hits: n.hits, misses: n.misses, bytes: n.bytes },
      markerCuts: { hits: c.hits, misses: c.misses, bytes: c.bytes },
      tilesInferred: this.tilesInferred,
      tilesFromStore: this.tilesFromStore,
    };
  }

  /** Stops the workers and closes the databases. */
  async close(): Promise<void> {
    this.closed = true;
    const loading = this.loading;
    this.loading = undefined;
    await Promise.all([loading?.runner.close(), this.post.close()]);
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
  }
}
