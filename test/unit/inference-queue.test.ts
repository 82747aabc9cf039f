/**
 * The inference queue with a fake runner: coalescing of identical requests, 503 when the
 * interactive lane is full, work dropped unstarted when every client left, batching by
 * window size, background work never refused and passed by interactive work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedError } from '@nucleilens/pipeline';
import { InferenceQueue, QueueFullError, type BatchRunner, type InferenceWindow, type QueueTask } from '@nucleilens/server';

/** A runner whose batches finish when the test says so. */
class FakeRunner implements BatchRunner {
  readonly batches: string[][] = [];
  private release: (() => void)[] = [];
  constructor(
    readonly slots: number,
    readonly batchSize: number,
  ) {}
  async run(windows: readonly InferenceWindow[]) {
    this.batches.push(windows.map((w) => String(w.rgb[0])));
    await new Promise<void>((ok) => this.release.push(ok));
    return {
      outputs: windows.map((w) => ({
        mask: { width: w.width, height: w.height, data: new Uint8Array(w.width * w.height).fill(w.rgb[0]) },
        marker: { width: w.width, height: w.height, data: new Uint8Array(w.width * w.height) },
      })),
      inferenceMs: 1,
    };
  }
  /** Finishes the oldest running batch. */
  finishOne(): void {
    this.release.shift()?.();
  }
}

const tick = () => new Promise((ok) => setImmediate(ok));

function task(tag: number, opts: { size?: number; priority?: 'interactive' | 'background'; prepared?: number[] } = {}): QueueTask<number> {
  const size = opts.size ?? 2;
  return {
    batchKey: `${size}x${size}`,
    priority: opts.priority ?? 'interactive',
    async prepare() {
      opts.prepared?.push(tag);
      return { width: size, height: size, rgb: new Uint8Array(size * size * 3).fill(tag), stain: null };
    },
    finish: (out) => out.mask.data[0],
  };
}

test('identical requests share one entry', async () => {
  const runner = new FakeRunner(1, 1);
  const q = new InferenceQueue(runner, { maxQueued: 4 });
  const a = q.submit('k', task(7));
  const b = q.submit('k', task(7));
  await tick();
  runner.finishOne();
  assert.deepEqual(await Promise.all([a, b]), [7, 7]);
  assert.equal(runner.batches.length, 1);
  assert.equal(q.stats().coalesced, 1);
});

test('a full interactive lane refuses with QueueFullError (BUSY); background work is not refused', async () => {
  const runner = new FakeRunner(1, 1);
  const q = new InferenceQueue(runner, { maxQueued: 1 });
  const running = q.submit('a', task(1));
  const waiting = q.submit('b', task(2));
  assert.throws(() => q.submit('c', task(3)), (err: unknown) => err instanceof QueueFullError && err.code === 'BUSY');
  const bg = q.submit('d', task(4, { priority: 'background' }));
  assert.deepEqual([q.stats().queued, q.stats().refused], [2, 1]);
  for (let i = 0; i < 3; i++) {
    await tick();
    runner.finishOne();
  }
  assert.deepEqual(await Promise.all([running, waiting, bg]), [1, 2, 4]);
});

test('a queued entry whose every client left is dropped before it is read', async () => {
  const runner = new FakeRunner(1, 1);
  const q = new InferenceQueue(runner, { maxQueued: 4 });
  const prepared: number[] = [];
  const first = q.submit('a', task(1, { prepared }));
  const ac1 = new AbortController();
  const ac2 = new AbortController();
  const w1 = q.submit('b', task(2, { prepared }), ac1.signal);
  const w2 = q.submit('b', task(2, { prepared }), ac2.signal);
  ac1.abort();
  await assert.rejects(w1, AbortedError);
  assert.equal(q.stats().dropped, 0, 'one client still waits');
  ac2.abort();
  await assert.rejects(w2, AbortedError);
  assert.equal(q.stats().dropped, 1);
  await tick();
  runner.finishOne();
  assert.equal(await first, 1);
  await tick();
  assert.deepEqual(prepared, [1], 'the dropped entry was never prepared');
  assert.equal(runner.batches.length, 1);
});

test('entries of the same window size are batched; interactive work passes background work', async () => {
  const runner = new FakeRunner(1, 3);
  const q = new InferenceQueue(runner, { maxQueued: 10 });
  const all = [
    q.submit('busy', task(9)),
    q.submit('bg1', task(1, { priority: 'background' })),
    q.submit('bg2', task(2, { priority: 'background', size: 4 })),
    q.submit('i1', task(3)),
    q.submit('i2', task(4)),
  ];
  for (let i = 0; i < 4; i++) {
    await tick();
    runner.finishOne();
  }
  await Promise.all(all);
  // First batch started alone; then the interactive 2x2 entries with the background 2x2 one; then the 4x4 one.
  assert.deepEqual(runner.batches, [['9'], ['3', '4', '1'], ['2']]);
});

test('a request arriving while an abandoned entry is still being read gets a fresh entry, not its AbortedError', async () => {
  const runner = new FakeRunner(1, 1);
  const q = new InferenceQueue(runner, { maxQueued: 4 });
  let reads = 0;
  const slow: QueueTask<number> = {
    batchKey: '2x2',
    priority: 'interactive',
    prepare: (signal) =>
      new Promise((resolve, reject) => {
        reads++;
        const timer = setTimeout(() => resolve({ width: 2, height: 2, rgb: new Uint8Array(12).fill(5), stain: null }), 30);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new AbortedError());
        });
      }),
    finish: (out) => out.mask.data[0],
  };
  const ac = new AbortController();
  const gone = q.submit('k', slow, ac.signal);
  await tick();
  ac.abort();
  await assert.rejects(gone, AbortedError);
  const fresh = q.submit('k', slow);
  await new Promise((ok) => setTimeout(ok, 60));
  runner.finishOne();
  assert.equal(await fresh, 5);
  assert.equal(reads, 2);
});
