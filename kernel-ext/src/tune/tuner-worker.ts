/**
 * The tuner widget's browser side, bundled by esbuild (tune/worker-bundle.ts) into the cell
 * output: it holds the region's maps and picture, runs the pipeline's own browser-safe
 * post-processing for each slider change, and returns the overlay as RGBA pixels. It runs as
 * a Web Worker (so sliders stay responsive) or, where workers are refused, on the page
 * through `globalThis.NucleiLensTuner.handle`.
 */
import { postprocess, type PostprocessParams } from '@nucleilens/pipeline/post';
import { countLabels, type ProbMapU8, type RgbImage } from '@nucleilens/pipeline/raster';
import { overlayLabels } from '../render/label-colours.js';

/** Messages the page sends. */
export type TunerRequest =
  | { readonly type: 'init'; readonly width: number; readonly height: number; readonly mask: Uint8Array; readonly marker: Uint8Array; readonly rgb: Uint8Array }
  | { readonly type: 'run'; readonly seq: number; readonly params: PostprocessParams };

/** Answers to a `run`. */
export type TunerReply =
  | { readonly type: 'result'; readonly seq: number; readonly count: number; readonly ms: number; readonly rgba: Uint8ClampedArray }
  | { readonly type: 'error'; readonly seq: number; readonly message: string };

let state: { mask: ProbMapU8; marker: ProbMapU8; rgb: RgbImage } | undefined;

/** Handles one request; `undefined` for `init`. */
export function handle(req: TunerRequest): TunerReply | undefined {
  if (req.type === 'init') {
    const { width, height } = req;
    state = { mask: { width, height, data: req.mask }, marker: { width, height, data: req.marker }, rgb: { width, height, data: req.rgb } };
    return undefined;
  }
  if (!state) return { type: 'error', seq: req.seq, message: 'tuner not initialized' };
  try {
    const t0 = performance.now();
    const labels = postprocess(state.mask, state.marker, req.params);
    const ms = performance.now() - t0;
    const rgb = overlayLabels(state.rgb, labels).data;
    const n = labels.width * labels.height;
    const rgba = new Uint8ClampedArray(4 * n);
    for (let i = 0; i < n; i++) {
      rgba[4 * i] = rgb[3 * i];
      rgba[4 * i + 1] = rgb[3 * i + 1];
      rgba[4 * i + 2] = rgb[3 * i + 2];
      rgba[4 * i + 3] = 255;
    }
    return { type: 'result', seq: req.seq, count: countLabels(labels), ms, rgba };
  } catch (err) {
    return { type: 'error', seq: req.seq, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

interface WorkerScope {
  onmessage: ((e: { data: TunerRequest }) => void) | null;
  postMessage(message: TunerReply, transfer: ArrayBuffer[]): void;
}

const scope = globalThis as unknown as WorkerScope & { NucleiLensTuner?: { handle: typeof handle }; WorkerGlobalScope?: unknown };
scope.NucleiLensTuner = { handle };
if (scope.WorkerGlobalScope !== undefined) {
  scope.onmessage = (e) => {
    const reply = handle(e.data);
    if (reply) scope.postMessage(reply, reply.type === 'result' ? [reply.rgba.buffer as ArrayBuffer] : []);
  };
}
