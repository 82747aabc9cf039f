/**
 * An inference worker thread: loads the model once (onnxruntime picks CUDA when it can),
 * then for each batch stain-normalizes every window with its slide's parameters, runs the
 * network on the batch and sends back the two probability maps as uint8. Normalization
 * runs here, not on the main thread, so the event loop keeps serving image tiles.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  InvalidArgumentError,
  isNucleiLensError,
  loadModel,
  normalizeStain,
  predictTiles,
  toProbU8,
  type RgbImage,
  type SerializedError,
  type UsenetModel,
} from '@nucleilens/pipeline';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

function serialize(err: unknown): SerializedError {
  if (isNucleiLensError(err)) return err.toJSON();
  return { name: 'ModelError', code: 'MODEL', message: `inference worker: ${(err as Error)?.message ?? String(err)}` };
}

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

// Terminating a thread while onnxruntime is creating or running a session aborts the whole
// process (a native exception with no JavaScript left to catch it), so the server never
// terminates this worker: it asks it to close, and the worker exits once it is idle.
let closing = false;
let busy = 0;
let model: UsenetModel | undefined;

async function exitWhenIdle(): Promise<void> {
  if (!closing || busy > 0) return;
  await model?.release().catch(() => undefined);
  parentPort?.close();
}

async function main(): Promise<void> {
  if (!parentPort) throw new InvalidArgumentError('inference-worker.js runs as a worker thread only');
  const init = workerData as WorkerInit;
  parentPort.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      closing = true;
      // While the model loads, main() exits once loading is over.
      if (model) void exitWhenIdle();
      return;
    }
    if (model) void run(model, msg);
  });
  try {
    model = await loadModel(init.model, { executionProvider: init.executionProvider, threads: init.threads });
  } catch (err) {
    post({ type: 'init-failed', error: serialize(err) });
    parentPort.close();
    return;
  }
  post({ type: 'ready', card: model.card, onnxPath: model.onnxPath, provider: model.provider, fallbackReason: model.fallbackReason });
  await exitWhenIdle();
}

async function run(model: UsenetModel, msg: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  busy++;
  try {
    const tiles: RgbImage[] = msg.windows.map((w) => {
      const raw: RgbImage = { width: w.width, height: w.height, data: new Uint8Array(w.rgb) };
      return w.stain ? normalizeStain(w.stain, msg.target, raw) : raw;
    });
    const started = performance.now();
    const maps = await predictTiles(model, tiles);
    const inferenceMs = performance.now() - started;
    const outputs = maps.map((m) => ({ mask: toProbU8(m.mask).data.buffer as ArrayBuffer, marker: toProbU8(m.marker).data.buffer as ArrayBuffer }));
    post({ type: 'result', id: msg.id, outputs, inferenceMs }, outputs.flatMap((o) => [o.mask, o.marker]));
  } catch (err) {
    post({ type: 'failed', id: msg.id, error: serialize(err) });
  } finally {
    busy--;
    void exitWhenIdle();
  }
}

void main();
