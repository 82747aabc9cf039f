/**
 * A {@link BatchRunner} over worker threads, each holding its own onnxruntime session of
 * the same model. The model is loaded by the first worker before any other starts, so a
 * missing or broken model is reported once and what it is (card, provider, fallback) is
 * known before the first batch. A worker that dies fails its batch and is replaced on the
 * next one.
 */
import { Worker } from 'node:worker_threads';
import {
  ModelError,
  type ExecutionProviderName,
  type ModelCard,
  type StainParams,
} from '@nucleilens/pipeline';
import type { BatchRunner, InferenceOutput, InferenceWindow } from './inference-queue.js';
import { reviveError, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

/** The loaded model, as the first worker reports it. */
export interface RunnerModelInfo {
  readonly card: ModelCard;
  readonly onnxPath: string;
  readonly provider: ExecutionProviderName;
  readonly fallbackReason: string | null;
}

/** Options of {@link WorkerRunner}. */
export interface WorkerRunnerOptions extends WorkerInit {
  /** Worker threads (concurrent batches). */
  readonly workers: number;
  /** Windows per batch; default 8 on CUDA, 1 on the CPU (where batching gains nothing and would make results depend on batch composition). */
  readonly batch?: number;
  /** Stain normalization target. */
  readonly target: StainParams;
}

interface Pending {
  resolve(v: { outputs: InferenceOutput[]; inferenceMs: number }): void;
  reject(err: unknown): void;
  sizes: { width: number; height: number }[];
}

class ModelWorker {
  readonly worker: Worker;
  readonly ready: Promise<RunnerModelInfo>;
  readonly pending = new Map<number, Pending>();
  busy = false;
  dead = false;

  constructor(init: WorkerInit) {
    this.worker = new Worker(new URL('./inference-worker.js', import.meta.url), { workerData: init });
    this.ready = new Promise<RunnerModelInfo>((resolve, reject) => {
      this.worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            resolve({ card: msg.card, onnxPath: msg.onnxPath, provider: msg.provider, fallbackReason: msg.fallbackReason });
            break;
          case 'init-failed':
            reject(reviveError(msg.error));
            break;
          case 'result': {
            const p = this.pending.get(msg.id);
            this.pending.delete(msg.id);
            p?.resolve({
              outputs: msg.outputs.map((o, i) => {
                const { width, height } = p.sizes[i];
                return { mask: { width, height, data: new Uint8Array(o.mask) }, marker: { width, height, data: new Uint8Array(o.marker) } };
              }),
              inferenceMs: msg.inferenceMs,
            });
            break;
          }
          case 'failed': {
            const p = this.pending.get(msg.id);
            this.pending.delete(msg.id);
            p?.reject(reviveError(msg.error));
            break;
          }
        }
      });
      const die = (why: string) => {
        this.dead = true;
        const err = new ModelError(`inference worker stopped: ${why}`);
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      this.worker.on('error', (err) => die(err.message));
      this.worker.on('exit', (code) => die(`exit code ${code}`));
    });
    this.ready.catch(() => undefined);
  }
}

/**
 * @example
 * const runner = new WorkerRunner({ model: 'default', executionProvider: 'auto', threads: 2, workers: 1, target });
 * const info = await runner.info;
 */
export class WorkerRunner implements BatchRunner {
  private readonly workers: (ModelWorker | undefined)[];
  private nextId = 1;
  private batch = 1;
  private closed = false;
  /** The loaded model; rejects with the loading error (NotFoundError, ModelError). */
  readonly info: Promise<RunnerModelInfo>;

  constructor(private readonly options: WorkerRunnerOptions) {
    this.workers = new Array<ModelWorker | undefined>(Math.max(1, options.workers)).fill(undefined);
    const first = new ModelWorker(options);
    this.workers[0] = first;
    this.info = first.ready.then((info) => {
      this.batch = options.batch ?? (info.provider === 'cuda' ? 8 : 1);
      return info;
    });
    this.info.catch(() => undefined);
  }

  get slots(): number {
    return this.workers.length;
  }

  get batchSize(): number {
    return this.batch;
  }

  private freeWorker(): ModelWorker {
    for (let i = 0; i < this.workers.length; i++) {
      let w = this.workers[i];
      // A dead worker has exited already (or failed to start): replace it.
      if (w?.dead) w = undefined;
      if (!w) {
        w = new ModelWorker(this.options);
        this.workers[i] = w;
      }
      if (!w.busy) return w;
    }
    // The queue never runs more batches than slots; reaching here is a bug.
    throw new ModelError('no free inference worker');
  }

  async run(windows: readonly InferenceWindow[]): Promise<{ outputs: InferenceOutput[]; inferenceMs: number }> {
    await this.info;
    if (this.closed) throw new ModelError('the inference workers are closed');
    const w = this.freeWorker();
    w.busy = true;
    try {
      await w.ready;
      const id = this.nextId++;
      return await new Promise((resolve, reject) => {
        w.pending.set(id, { resolve, reject, sizes: windows.map((x) => ({ width: x.width, height: x.height })) });
        const msg: ToWorker = {
          type: 'run',
          id,
          target: this.options.target,
          windows: windows.map((x) => ({ width: x.width, height: x.height, stain: x.stain, rgb: ownBuffer(x.rgb) })),
        };
        w.worker.postMessage(msg, msg.windows.map((x) => x.rgb));
      });
    } finally {
      w.busy = false;
    }
  }

  /**
   * Stops every worker: each finishes its batch, releases its session and exits (never
   * terminated mid-run, which would abort the process); one still alive after `graceMs` is
   * terminated.
   */
  async close(graceMs = 60_000): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.workers.map(async (w) => {
        if (!w || w.dead) return;
        const exited = new Promise<void>((ok) => w.worker.once('exit', () => ok()));
        w.worker.postMessage({ type: 'close' } satisfies ToWorker);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((ok) => (timer = setTimeout(() => ok('late'), graceMs).unref()));
        if ((await Promise.race([exited, late])) === 'late') await w.worker.terminate();
        clearTimeout(timer);
      }),
    );
  }
}

/** An ArrayBuffer holding exactly `a`'s bytes, transferable without detaching anyone else's memory. */
function ownBuffer(a: Uint8Array): ArrayBuffer {
  if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) return a.buffer;
  return a.slice().buffer as ArrayBuffer;
}
