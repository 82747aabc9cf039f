/**
 * The tuning Web Worker: keeps decoded probability tiles of the area in view and re-runs
 * the pipeline's post-processing and measurement on them when a slider moves, with no
 * network pass (fetching happens only on `load`, never on `compute`). Bundled by esbuild
 * into dist/nucleilens-worker.js.
 *
 * Computation is a sweep: tile after tile (most important first), each with the newest
 * parameters received, yielding to the message queue in between. While a slider moves,
 * every tile result reflects a recent position and none waits for a stale request to end.
 * When a marker slider moved by one step, the cuts one more step on are computed next,
 * while the result is looked at (see marker-cut-shelf).
 */
import { cellKey } from '../core/compute-grid.js';
import { previewWindow, splitProbPixels, tileNuclei, tileWindow, type PreviewFigures, type ProbTile, type TileContext } from '../core/tile-nuclei.js';
import type { ProbsTileRef, Rect } from '../core/server-types.js';
import { packNuclei, type PackedNuclei } from '../core/nucleus-record.js';
import { cutAheadParams, hasCut, shelveCut, takeCut } from '../core/marker-cut-shelf.js';
import { computeMarkerCut, type MarkerCut, type PostprocessParams } from '@nucleilens/pipeline/post';
import { toWireError, type CutUse, type WarmSpec, type WireError, type WorkerReply, type WorkerRequest } from './protocol.js';

interface WorkerScope {
  onmessage: ((ev: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(msg: WorkerReply, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;
let ctx: TileContext | undefined;
let maxTiles = 64;
/** Insertion order doubles as recency order (entries are re-inserted on use). */
const tiles = new Map<string, ProbTile>();
/** Per tile, the window of its last run (cropped maps) and marker cuts over it (see marker-cut-shelf). */
const windows = new Map<string, { readonly window: Rect; readonly part: ProbTile; readonly cuts: MarkerCut[] }>();
// One label image at a time: the labels are measured and packed before the next tile runs.
let labelBuffer = new Int32Array(0);

function remember(key: string, tile: ProbTile): void {
  tiles.delete(key);
  tiles.set(key, tile);
  while (tiles.size > maxTiles) {
    const oldest = tiles.keys().next().value as string;
    tiles.delete(oldest);
    windows.delete(oldest);
  }
}

const sameRect = (a: Rect, b: Rect): boolean => a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

/**
 * The tile's nuclei in `window` that meet `view`, keeping the cropped maps and the marker
 * stage for the next slider step.
 */
function runTile(
  key: string,
  tile: ProbTile,
  params: PostprocessParams,
  context: TileContext,
  window: Rect,
  view: Rect,
  figures: PreviewFigures,
): { nuclei: PackedNuclei; cut: CutUse } {
  let kept = windows.get(key);
  if (!kept || !sameRect(kept.window, window)) {
    kept = { window, part: tileWindow(tile, window), cuts: [] };
    windows.set(key, kept);
  }
  const pixels = window.width * window.height;
  if (labelBuffer.length < pixels) labelBuffer = new Int32Array(pixels);
  // takeCut already moved a reused cut to the front; only a new one goes on the shelf.
  const cut = takeCut(kept.cuts, params);
  const run = tileNuclei(kept.part, params, context, undefined, { ...(cut && { markerCut: cut }), labelBuffer, visible: view, figures });
  const computed = cut ? undefined : run.markerCut;
  if (computed) shelveCut(kept.cuts, computed);
  return { nuclei: packNuclei(run.instances, context.idNamespace ?? ''), cut: cut ? 'reused' : computed ? 'computed' : 'none' };
}

/** Fresh each time: buffers posted as transferables are gone from this side. */
const emptyPack = (): PackedNuclei => packNuclei([], '');

/** What a `tile` reply hands over instead of copying. */
const transferables = (nuclei: PackedNuclei): Transferable[] => [nuclei.ringStart.buffer, nuclei.rings.buffer, nuclei.values.buffer];

/**
 * Posts a background run's reply as a slider step posts its own (buffers transferred), into
 * a channel closed at once, so it is dropped. Without this the first real reply changed
 * what V8 had assumed of the typed arrays: every hot function was deoptimized ("dependent
 * prototype chain changed", --trace-deopt), and the first slider step took 60-107 ms of the
 * workers' time against 25-35 ms for the next ones.
 */
function rehearseReply(reply: Extract<WorkerReply, { type: 'tile' }>): void {
  const sink = new MessageChannel();
  sink.port1.postMessage(reply, transferables(reply.nuclei));
  sink.port1.close();
  sink.port2.close();
}

async function decode(ref: ProbsTileRef): Promise<ProbTile> {
  const res = await fetch(ref.url);
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { message?: string } };
      if (body.error?.message) message = body.error.message;
    } catch {
      // The body was not the documented JSON error; the status line says enough.
    }
    throw Object.assign(new Error(`probabilities ${ref.col}_${ref.row}: ${message}`), { code: `HTTP_${res.status}` });
  }
  const bitmap = await createImageBitmap(await res.blob(), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  const { width, height } = bitmap;
  if (width !== ref.region.width || height !== ref.region.height) {
    throw Object.assign(new Error(`probabilities ${ref.col}_${ref.row}: PNG is ${width}x${height}, region is ${ref.region.width}x${ref.region.height}`), {
      code: 'SHAPE',
    });
  }
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d', { willReadFrequently: true });
  if (!g) throw new Error('no 2d context in the worker');
  g.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { mask, marker, hematoxylin } = splitProbPixels(g.getImageData(0, 0, width, height).data, width, height, 4);
  return { col: ref.col, row: ref.row, core: ref.core, region: ref.region, mask, marker, hematoxylin };
}

async function load(requestId: number, refs: readonly ProbsTileRef[], warm: WarmSpec | undefined): Promise<void> {
  const loaded: string[] = [];
  const decoded: string[] = [];
  const failed: { key: string; error: WireError }[] = [];
  await Promise.all(
    refs.map(async (ref) => {
      const key = cellKey(ref.col, ref.row);
      const have = tiles.get(key);
      if (have) {
        remember(key, have);
        loaded.push(key);
        return;
      }
      try {
        remember(key, await decode(ref));
        loaded.push(key);
        decoded.push(key);
      } catch (e) {
        failed.push({ key, error: toWireError(e) });
      }
    }),
  );
  const warmNow = warm !== undefined && decoded.length > 0;
  if (warmNow) for (const key of decoded) warming.push({ key, warm });
  scope.postMessage({ type: 'loaded', requestId, loaded, failed, warming: backgroundQueued() });
  if (warmNow && !sweeping) void sweep();
}

type ComputeJob = Extract<WorkerRequest, { type: 'compute' }>;
let job: ComputeJob | undefined;
let jobStart = 0;
let sweeping = false;
/** Tile key -> id of the compute request it was last computed for. */
const doneFor = new Map<string, number>();
/** Newly decoded tiles to post-process in the background, after any compute request. */
const warming: { key: string; warm: WarmSpec }[] = [];
/**
 * Rehearsals: background runs of warmed tiles at a nudged mask threshold, results thrown
 * away, so V8 optimizes the slider-step path while the user is still looking. Without them
 * the first several slider steps each paid for optimizing compilation (17-75 ms of CPU per
 * hot function on a 2-core machine, measured with --trace-opt) and ran slower code
 * meanwhile. Once per worker: the optimized code stays.
 */
const REHEARSALS = 24;
let rehearsalsLeft = REHEARSALS;
const rehearsing: { key: string; warm: WarmSpec }[] = [];

/**
 * Post-processes a newly loaded tile with results kept to itself (see WarmSpec), with the
 * spec's parameters or, for a rehearsal, nudged ones; false when the tile was not run.
 */
function warmTile(key: string, warm: WarmSpec, params: PostprocessParams = warm.params): boolean {
  const tile = tiles.get(key);
  if (!tile || !ctx) return false;
  const window = previewWindow(tile, warm.view, warm.halo);
  if (!window) return false;
  try {
    const { nuclei, cut } = runTile(key, tile, params, ctx, window, warm.view, warm.figures);
    rehearseReply({ type: 'tile', requestId: 0, key, nuclei, ms: 0, cut });
    return true;
  } catch {
    // A tile that cannot be post-processed fails, and is reported, when a slider asks for it.
    return false;
  }
}

/** One rehearsal (see REHEARSALS): a warmed tile at the threshold a slider step would try. */
function rehearse(): void {
  const r = rehearsing.shift()!;
  const t = r.warm.params.maskThreshold;
  const nudged = { ...r.warm.params, maskThreshold: rehearsalsLeft % 2 === 0 ? Math.min(t + 0.05, 1) : Math.max(t - 0.05, 0) };
  if (warmTile(r.key, r.warm, nudged)) {
    rehearsalsLeft--;
    rehearsing.push(r);
  }
  if (rehearsalsLeft === 0) rehearsing.length = 0;
}

const backgroundQueued = (): boolean => warming.length > 0 || rehearsing.length > 0;

/**
 * Cuts to compute ahead (see marker-cut-shelf): after a compute request that moved a marker
 * slider by one step, each of its tiles' cut one more step on, when nothing else is asked
 * and every worker finished that request (`aheadFor` up to `stepDoneUpTo`). A compute
 * request waits for at most one tile's cut, and drops what is queued.
 */
const ahead: { key: string; params: PostprocessParams }[] = [];
let aheadFor = 0;
let stepDoneUpTo = 0;
const aheadReady = (): boolean => ahead.length > 0 && stepDoneUpTo >= aheadFor;
/** The parameters of the compute request before the newest one, and of the newest. */
let previousParams: PostprocessParams | undefined;
let newestParams: PostprocessParams | undefined;

function cutAhead(): void {
  const a = ahead.shift()!;
  const kept = windows.get(a.key);
  try {
    if (!kept || hasCut(kept.cuts, a.params)) return;
    const cut = computeMarkerCut(kept.part.mask, kept.part.marker, a.params);
    if (cut) shelveCut(kept.cuts, cut);
  } catch {
    // A tile that cannot be post-processed fails, and is reported, when a slider asks for it.
  } finally {
    if (ahead.length === 0) scope.postMessage({ type: 'ahead-done' });
  }
}

// A message to ourselves: nested setTimeout(0) is clamped to 4 ms, a whole frame's budget
// over a dozen tiles.
const wakeUp = new MessageChannel();
const wakers: (() => void)[] = [];
wakeUp.port1.onmessage = () => wakers.shift()?.();
const yieldToMessages = (): Promise<void> =>
  new Promise((resolve) => {
    wakers.push(resolve);
    wakeUp.port2.postMessage(0);
  });

async function sweep(): Promise<void> {
  sweeping = true;
  try {
    while (job || backgroundQueued() || aheadReady()) {
      if (!job) {
        if (backgroundQueued()) {
          const w = warming.shift();
          if (w) {
            if (warmTile(w.key, w.warm) && rehearsalsLeft > 0) rehearsing.push(w);
          } else {
            rehearse();
          }
          if (!backgroundQueued()) scope.postMessage({ type: 'warmed' });
        } else {
          cutAhead();
        }
        await yieldToMessages();
        continue;
      }
      const j = job;
      const key = j.keys.find((k) => tiles.has(k) && (doneFor.get(k) ?? 0) < j.requestId);
      if (key === undefined) {
        const next = cutAheadParams(previousParams, j.params);
        if (next) for (const k of j.keys) if (tiles.has(k)) ahead.push({ key: k, params: next });
        aheadFor = j.requestId;
        scope.postMessage({
          type: 'computed',
          requestId: j.requestId,
          missing: j.keys.filter((k) => !tiles.has(k)),
          ms: performance.now() - jobStart,
          ahead: ahead.length,
        });
        job = undefined;
        continue;
      }
      const tile = tiles.get(key) as ProbTile;
      const t0 = performance.now();
      try {
        if (!ctx) throw new Error('tuning worker: compute before init');
        const window = previewWindow(tile, j.view, j.halo);
        const { nuclei, cut } = window ? runTile(key, tile, j.params, ctx, window, j.view, j.figures) : { nuclei: emptyPack(), cut: 'none' as const };
        scope.postMessage({ type: 'tile', requestId: j.requestId, key, nuclei, ms: performance.now() - t0, cut }, transferables(nuclei));
      } catch (e) {
        scope.postMessage({ type: 'failed', requestId: j.requestId, error: toWireError(e) });
        job = undefined;
        continue;
      }
      doneFor.set(key, j.requestId);
      await yieldToMessages();
    }
  } finally {
    sweeping = false;
  }
}

scope.onmessage = (ev) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'init':
      ctx = msg.ctx;
      maxTiles = msg.maxTiles;
      tiles.clear();
      warming.length = 0;
      rehearsing.length = 0;
      windows.clear();
      doneFor.clear();
      ahead.length = 0;
      previousParams = newestParams = undefined;
      aheadFor = stepDoneUpTo = 0;
      return;
    case 'load':
      void load(msg.requestId, msg.tiles, msg.warm);
      return;
    case 'step-done':
      stepDoneUpTo = Math.max(stepDoneUpTo, msg.requestId);
      if (aheadReady() && !sweeping) void sweep();
      return;
    case 'compute':
      // A slider step does the background runs' work for the tiles in view, with newer
      // parameters: queued runs would only replace its marker stage with a stale one.
      // Rehearsals left are kept for the next load's background runs.
      if (backgroundQueued()) {
        warming.length = 0;
        rehearsing.length = 0;
        scope.postMessage({ type: 'warmed' });
      }
      ahead.length = 0;
      previousParams = newestParams;
      newestParams = msg.params;
      job = msg;
      jobStart = performance.now();
      if (!sweeping) void sweep();
      return;
  }
};
