/**
 * Post-processing of compute tiles on a few worker threads (one per core by default), so
 * the four to nine tiles of a viewport are post-processed in parallel after a threshold
 * change. Requests wait in a FIFO; with no workers the work runs inline.
 */
import { Worker } from 'node:worker_threads';
import { reviveError } from '../inference/worker-protocol.js';
import type { PostReply, PostRequest } from './post-worker.js';
import { computeTileNuclei, type TileNucleiInput, type TileNucleiOutput } from './tile-nuclei-compute.js';

interface Pending {
  readonly input: TileNucleiInput;
  resolve(v: TileNucleiOutput): void;
  reject(e: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  busy: Pending | undefined;
}

/**
 * @example
 * const pool = new PostPool(2);
 * const { instances } = await pool.run({ grid, cell, mask, marker, image, stain, params });
 */
export class PostPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private closed = false;

  /** @param workers threads; 0 runs everything on the calling thread */
  constructor(private readonly workers: number) {}

  /** The nuclei the tile owns (see `computeTileNuclei`). */
  run(input: TileNucleiInput): Promise<TileNucleiOutput> {
    if (this.workers === 0) return Promise.resolve().then(() => computeTileNuclei(input));
    return new Promise((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.pump();
    });
  }

  private spawn(): Slot {
    // workerData must be an object: geotiff's web-worker shim, loaded with the pipeline,
    // destructures it in any worker thread and would throw on undefined.
    const worker = new Worker(new URL('./post-worker.js', import.meta.url), { workerData: {} });
    const slot: Slot = { worker, busy: undefined };
    worker.on('message', (reply: PostReply) => {
      const p = slot.busy;
      slot.busy = undefined;
      worker.unref();
      if (p) {
        if (reply.ok) p.resolve(reply.output);
        else p.reject(reviveError(reply.error));
      }
      this.pump();
    });
    const die = (err: Error) => {
      slot.busy?.reject(err);
      slot.busy = undefined;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      if (!this.closed) this.pump();
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`post-processing worker exited with code ${code}`)));
    // An idle worker must not keep a finished process (a CLI run, a test) alive.
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    while (!this.closed && this.waiting.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.workers) slot = this.spawn();
      if (!slot) return;
      const p = this.waiting.shift()!;
      slot.busy = p;
      // Referenced while busy: a caller awaiting the answer keeps the process alive.
      slot.worker.ref();
      const { mask, marker, image } = p.input;
      // Own copies, transferred: the cached maps are views into a shared inflated buffer.
      const input: TileNucleiInput = {
        ...p.input,
        mask: { ...mask, data: mask.data.slice() },
        marker: { ...marker, data: marker.data.slice() },
        image: { ...image, data: image.data.slice() },
      };
      const msg: PostRequest = { id: this.nextId++, input };
      slot.worker.postMessage(msg, [input.mask.data.buffer as ArrayBuffer, input.marker.data.buffer as ArrayBuffer, input.image.data.buffer as ArrayBuffer]);
    }
  }

  /** Stops the workers; waiting work is rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.waiting.splice(0)) p.reject(new Error('post-processing pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
