/**
 * The main thread's side of the tuning workers: a small pool, each worker holding the
 * probability tiles given to it, so tiles are post-processed in parallel on machines with
 * cores to spare. Results stream back tile by tile.
 */
import type { PostprocessParams } from './core/tuning-params.js';
import type { PreviewFigures, TileContext } from './core/tile-nuclei.js';
import type { ProbsTileRef, Rect } from './core/server-types.js';
import type { PackedNuclei } from './core/nucleus-record.js';
import { cellKey } from './core/compute-grid.js';
import type { CutUse, WarmSpec, WireError, WorkerReply, WorkerRequest } from './worker/protocol.js';

/** What the pool reports. */
export interface TuningHandlers {
  /**
   * One tile's nuclei for compute generation `gen` (parameters as passed to
   * {@link TuningPool.compute}); `cut` says whether its marker cut was reused.
   */
  tile(gen: number, key: string, nuclei: PackedNuclei, ms: number, cut: CutUse): void;
  /** Every worker finished generation `gen` (or a later one); `missing` keys had no cached tile. */
  done(gen: number, ms: number, missing: string[]): void;
  /** No worker has background runs of loaded tiles left ({@link TuningPool.warming} is false). */
  warmed(): void;
  /** A worker failed: could not load, or threw while post-processing. */
  error(e: WireError): void;
}

interface Member {
  readonly worker: Worker;
  /** Newest compute generation sent, and newest reported done. */
  sent: number;
  done: number;
  /** Background runs of loaded tiles are queued there. */
  warming: boolean;
  /** Marker cuts are being computed ahead there. */
  cuttingAhead: boolean;
}

/** A pool of tuning workers. */
export class TuningPool {
  private readonly members: Member[] = [];
  /** Tile key -> the worker holding it; insertion order is age (bounded in {@link assign}). */
  private readonly owners = new Map<string, Member>();
  private readonly maxOwners: number;
  private nextLoadId = 1;
  private readonly loads = new Map<number, (r: Extract<WorkerReply, { type: 'loaded' }>) => void>();
  private gen = 0;
  private readonly genStart = new Map<number, number>();
  private readonly missing = new Map<number, string[]>();

  /**
   * @param workerUrl URL of dist/nucleilens-worker.js
   * @param size number of workers (at least 1)
   */
  constructor(
    workerUrl: string | URL,
    ctx: TileContext,
    maxTiles: number,
    size: number,
    private readonly h: TuningHandlers,
  ) {
    const n = Math.max(1, Math.floor(size));
    this.maxOwners = 4 * Math.max(maxTiles, 1);
    for (let i = 0; i < n; i++) {
      const worker = new Worker(workerUrl);
      const m: Member = { worker, sent: 0, done: 0, warming: false, cuttingAhead: false };
      worker.onmessage = (ev: MessageEvent<WorkerReply>) => this.receive(m, ev.data);
      worker.onerror = (ev) => {
        ev.preventDefault();
        h.error({ name: 'Error', code: 'WORKER', message: `tuning worker: ${ev.message || `cannot load ${String(workerUrl)}`}` });
      };
      this.post(m, { type: 'init', ctx, maxTiles: Math.ceil(maxTiles / n) });
      this.members.push(m);
    }
  }

  private post(m: Member, msg: WorkerRequest): void {
    m.worker.postMessage(msg);
  }

  private owner(key: string): Member {
    return this.owners.get(key) ?? this.assign([key]).get(key)!;
  }

  /**
   * Gives each key without a worker to the worker with the least work among `keys` (weight:
   * the tile's pixels, default 1), so the tiles of one view are spread evenly.
   */
  private assign(keys: readonly string[], weight: (key: string) => number = () => 1): Map<string, Member> {
    const load = new Map<Member, number>(this.members.map((m) => [m, 0]));
    for (const k of keys) {
      const m = this.owners.get(k);
      if (m) load.set(m, load.get(m)! + weight(k));
    }
    const out = new Map<string, Member>();
    for (const k of keys) {
      let m = this.owners.get(k);
      if (!m) {
        m = this.members.reduce((best, c) => (load.get(c)! < load.get(best)! ? c : best));
        load.set(m, load.get(m)! + weight(k));
        this.owners.set(k, m);
        // Forgetting an old owner only means the tile may be fetched again by another worker.
        while (this.owners.size > this.maxOwners) this.owners.delete(this.owners.keys().next().value as string);
      }
      out.set(k, m);
    }
    return out;
  }

  private receive(m: Member, r: WorkerReply): void {
    switch (r.type) {
      case 'warmed':
        m.warming = false;
        if (!this.warming) this.h.warmed();
        return;
      case 'loaded': {
        m.warming ||= r.warming;
        const resolve = this.loads.get(r.requestId);
        this.loads.delete(r.requestId);
        resolve?.(r);
        return;
      }
      case 'tile':
        this.h.tile(r.requestId, r.key, r.nuclei, r.ms, r.cut);
        return;
      case 'ahead-done':
        m.cuttingAhead = false;
        return;
      case 'computed':
      case 'failed': {
        m.done = Math.max(m.done, r.requestId);
        // Every compute drops the worker's queue of cuts ahead; only a finished one refills it.
        m.cuttingAhead = r.type === 'computed' && r.ahead > 0;
        if (r.type === 'failed') this.h.error(r.error);
        else this.missing.get(r.requestId)?.push(...r.missing);
        this.settle(r.requestId);
        return;
      }
    }
  }

  private settle(gen: number): void {
    if (this.members.some((m) => m.done < Math.min(m.sent, gen))) return;
    const t0 = this.genStart.get(gen);
    if (t0 === undefined) return;
    const missing = this.missing.get(gen) ?? [];
    for (const g of this.genStart.keys()) {
      if (g > gen) continue;
      this.genStart.delete(g);
      this.missing.delete(g);
    }
    for (const m of this.members) this.post(m, { type: 'step-done', requestId: gen });
    this.h.done(gen, performance.now() - t0, missing);
  }

  /**
   * Fetches and decodes, in the owning workers, the tiles not yet cached there; with `warm`,
   * each newly decoded tile is then post-processed in the background (see {@link WarmSpec}).
   */
  async load(tiles: readonly ProbsTileRef[], warm?: WarmSpec): Promise<{ loaded: string[]; failed: { key: string; error: WireError }[] }> {
    const byMember = new Map<Member, ProbsTileRef[]>();
    const pixels = new Map(tiles.map((t) => [cellKey(t.col, t.row), t.region.width * t.region.height]));
    const owners = this.assign([...pixels.keys()], (k) => pixels.get(k)!);
    for (const t of tiles) {
      const m = owners.get(cellKey(t.col, t.row))!;
      const list = byMember.get(m);
      if (list) list.push(t);
      else byMember.set(m, [t]);
    }
    const replies = await Promise.all(
      [...byMember].map(
        ([m, list]) =>
          new Promise<Extract<WorkerReply, { type: 'loaded' }>>((resolve) => {
            const requestId = this.nextLoadId++;
            this.loads.set(requestId, resolve);
            this.post(m, { type: 'load', requestId, tiles: list, ...(warm && { warm }) });
          }),
      ),
    );
    return { loaded: replies.flatMap((r) => r.loaded), failed: replies.flatMap((r) => r.failed) };
  }

  /**
   * Starts post-processing `keys` (most important first) with `params` for the nuclei drawn
   * in `view` (their bounding box meets it), measuring the costly `figures` only; replaces
   * any computation still running.
   * @returns the generation number results will carry
   */
  compute(params: PostprocessParams, keys: readonly string[], view: Rect, halo: number, figures: PreviewFigures): number {
    const gen = ++this.gen;
    this.genStart.set(gen, performance.now());
    this.missing.set(gen, []);
    const byMember = new Map<Member, string[]>(this.members.map((m) => [m, []]));
    for (const k of keys) byMember.get(this.owner(k))?.push(k);
    for (const [m, list] of byMember) {
      m.sent = gen;
      this.post(m, { type: 'compute', requestId: gen, params, keys: list, view, halo, figures });
    }
    return gen;
  }

  /** Whether any worker is still computing. */
  get busy(): boolean {
    return this.members.some((m) => m.done < m.sent);
  }

  /** Whether any worker still has background runs of loaded tiles queued. */
  get warming(): boolean {
    return this.members.some((m) => m.warming);
  }

  /** Whether any worker is still computing the marker cuts of its last compute's next slider step. */
  get cuttingAhead(): boolean {
    return this.members.some((m) => m.cuttingAhead);
  }

  terminate(): void {
    for (const m of this.members) m.worker.terminate();
  }
}
