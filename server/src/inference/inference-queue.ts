/**
 * The bounded inference queue in front of the model: compute tiles wait here for a free
 * worker. Identical requests (same key) are coalesced into one entry; a waiting entry whose
 * every client has gone is dropped before it starts (no read, no network pass); an
 * interactive request finding the queue full is refused with {@link QueueFullError} (HTTP
 * 503 + Retry-After), so a flood of viewers costs a bounded amount of memory. Entries of
 * the same window size are batched (CUDA gains from it; the CPU runs batches of one).
 * Whole-slide jobs submit at `background` priority: they pass interactive work, bound their
 * own concurrency and are not refused.
 */
import { AbortedError, NucleiLensError, raceAbort, throwIfAborted, type ProbMapU8, type StainParams } from '@nucleilens/pipeline';

/** The queue is full: retry later (HTTP 503). */
export class QueueFullError extends NucleiLensError {
  constructor(message: string) {
    super('BUSY', message);
    this.name = 'QueueFullError';
  }
}

/** One network input: raw pixels of a compute tile's region and its slide's stain parameters. */
export interface InferenceWindow {
  readonly width: number;
  readonly height: number;
  /** RGB, interleaved uint8; handed over (the runner may transfer it). */
  readonly rgb: Uint8Array;
  readonly stain: StainParams | null;
}

/** The network's answer for one window, probability x 255. */
export interface InferenceOutput {
  readonly mask: ProbMapU8;
  readonly marker: ProbMapU8;
}

/** Runs batches of same-sized windows (worker threads in the server, a fake in tests). */
export interface BatchRunner {
  /** Batches that may run at the same time. */
  readonly slots: number;
  /** Largest batch worth forming (known once the model is loaded; 1 before). */
  readonly batchSize: number;
  run(windows: readonly InferenceWindow[]): Promise<{ outputs: InferenceOutput[]; inferenceMs: number }>;
}

/** Interactive requests go first and are bounded; background (job) work fills the gaps. */
export type QueuePriority = 'interactive' | 'background';

/** A compute tile to infer: how to read its pixels and what to make of the answer. */
export interface QueueTask<T> {
  /** Tasks with the same key run in one batch (e.g. the window size). */
  readonly batchKey: string;
  readonly priority: QueuePriority;
  /** Reads the window; called when a worker is free. */
  prepare(signal: AbortSignal): Promise<InferenceWindow>;
  /** Turns the answer into the result (e.g. caches it); runs even when every waiter has gone. */
  finish(output: InferenceOutput): T | Promise<T>;
}

/** Counters for metrics. */
export interface QueueStats {
  /** Entries waiting for a worker now. */
  readonly queued: number;
  /** Entries being read or inferred now. */
  readonly running: number;
  /** Requests that joined an identical in-flight entry. */
  readonly coalesced: number;
  /** Entries dropped before starting because every client left. */
  readonly dropped: number;
  /** Interactive requests refused because the queue was full. */
  readonly refused: number;
  readonly completed: number;
  readonly failed: number;
}

type State = 'queued' | 'preparing' | 'running';

interface Entry<T> {
  readonly key: string;
  readonly task: QueueTask<T>;
  state: State;
  waiters: number;
  readonly ac: AbortController;
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

/** Options of {@link InferenceQueue}. */
export interface InferenceQueueOptions {
  /** Interactive entries allowed to wait; one more is refused. */
  readonly maxQueued: number;
  /** Called after each batch with its size and network time (metrics). */
  readonly onBatch?: (size: number, inferenceMs: number) => void;
}

/**
 * @example
 * const queue = new InferenceQueue(runner, { maxQueued: 32 });
 * const probs = await queue.submit('slide|3_4', { batchKey: '640x640', priority: 'interactive', prepare, finish }, req.signal);
 */
export class InferenceQueue {
  private readonly entries = new Map<string, Entry<unknown>>();
  private readonly lanes: Record<QueuePriority, Entry<unknown>[]> = { interactive: [], background: [] };
  private busySlots = 0;
  private counts = { coalesced: 0, dropped: 0, refused: 0, completed: 0, failed: 0 };

  constructor(
    private readonly runner: BatchRunner,
    private readonly options: InferenceQueueOptions,
  ) {}

  /**
   * The result of `task` for `key`, sharing an identical in-flight entry when there is one.
   * @throws {QueueFullError} when an interactive entry would exceed `maxQueued`;
   *   {@link AbortedError} when `signal` fires first; the task's or runner's errors.
   */
  submit<T>(key: string, task: QueueTask<T>, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal);
    let entry = this.entries.get(key) as Entry<T> | undefined;
    if (entry) {
      this.counts.coalesced++;
      // Interactive work joining a background entry should not wait behind the job's queue.
      if (task.priority === 'interactive' && entry.state === 'queued' && entry.task.priority === 'background') this.promote(entry);
    } else {
      if (task.priority === 'interactive' && this.lanes.interactive.length >= this.options.maxQueued) {
        this.counts.refused++;
        throw new QueueFullError(`the inference queue is full (${this.lanes.interactive.length} compute tiles waiting); retry shortly`);
      }
      entry = this.createEntry(key, task);
      this.pump();
    }
    return this.attach(entry, signal);
  }

  /** Current counters. */
  stats(): QueueStats {
    return { queued: this.lanes.interactive.length + this.lanes.background.length, running: this.busyEntries(), ...this.counts };
  }

  private busyEntries(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.state !== 'queued') n++;
    return n;
  }

  private createEntry<T>(key: string, task: QueueTask<T>): Entry<T> {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    // An entry nobody waits on any more may still reject; that is not an unhandled error.
    promise.catch(() => undefined);
    const entry: Entry<T> = { key, task, state: 'queued', waiters: 0, ac: new AbortController(), promise, resolve, reject };
    this.entries.set(key, entry as Entry<unknown>);
    this.lanes[task.priority].push(entry as Entry<unknown>);
    return entry;
  }

  private promote(entry: Entry<unknown>): void {
    const bg = this.lanes.background;
    const i = bg.indexOf(entry);
    if (i < 0) return;
    bg.splice(i, 1);
    this.lanes.interactive.push(entry);
  }

  private attach<T>(entry: Entry<T>, signal: AbortSignal | undefined): Promise<T> {
    entry.waiters++;
    if (!signal) return entry.promise;
    // Registered before raceAbort's own listener: the count drops before this waiter rejects.
    const onAbort = () => {
      entry.waiters--;
      if (entry.waiters === 0) this.abandon(entry as Entry<unknown>);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const detach = () => signal.removeEventListener('abort', onAbort);
    entry.promise.then(detach, detach);
    return raceAbort(entry.promise, signal);
  }

  /** Every waiter left: a queued entry is dropped unstarted, a read in progress is aborted; a running pass finishes (its result is cached). */
  private abandon(entry: Entry<unknown>): void {
    if (entry.state === 'queued') {
      // A promoted background entry sits in the interactive lane: look in both.
      for (const lane of [this.lanes.interactive, this.lanes.background]) {
        const i = lane.indexOf(entry);
        if (i >= 0) lane.splice(i, 1);
      }
      this.entries.delete(entry.key);
      this.counts.dropped++;
      entry.reject(new AbortedError('dropped before it started: every client went away'));
    } else if (entry.state === 'preparing') {
      // Forget it now: a request for the same tile arriving before the read fails must
      // start a fresh entry, not inherit this one's AbortedError.
      this.entries.delete(entry.key);
      entry.ac.abort(new AbortedError('every client went away'));
    }
  }

  private next(): Entry<unknown> | undefined {
    return this.lanes.interactive.shift() ?? this.lanes.background.shift();
  }

  private takeSameKind(batchKey: string, max: number, into: Entry<unknown>[]): void {
    for (const lane of [this.lanes.interactive, this.lanes.background]) {
      for (let i = 0; i < lane.length && into.length < max; ) {
        if (lane[i].task.batchKey === batchKey) into.push(...lane.splice(i, 1));
        else i++;
      }
    }
  }

  private pump(): void {
    while (this.busySlots < this.runner.slots) {
      const first = this.next();
      if (!first) return;
      const group = [first];
      this.takeSameKind(first.task.batchKey, Math.max(1, this.runner.batchSize), group);
      for (const e of group) e.state = 'preparing';
      this.busySlots++;
      void this.runGroup(group).finally(() => {
        this.busySlots--;
        this.pump();
      });
    }
  }

  private forget(entry: Entry<unknown>): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }

  private succeed(entry: Entry<unknown>, value: unknown): void {
    this.forget(entry);
    this.counts.completed++;
    entry.resolve(value);
  }

  private fail(entry: Entry<unknown>, err: unknown): void {
    this.forget(entry);
    if (!(err instanceof AbortedError)) this.counts.failed++;
    entry.reject(err);
  }

  private async runGroup(group: Entry<unknown>[]): Promise<void> {
    const prepared = await Promise.allSettled(
      group.map(async (e) => {
        throwIfAborted(e.ac.signal);
        return e.task.prepare(e.ac.signal);
      }),
    );
    const ready: { entry: Entry<unknown>; window: InferenceWindow }[] = [];
    prepared.forEach((p, i) => {
      if (p.status === 'fulfilled') ready.push({ entry: group[i], window: p.value });
      else this.fail(group[i], p.reason);
    });
    if (ready.length === 0) return;
    for (const r of ready) r.entry.state = 'running';
    let result: { outputs: InferenceOutput[]; inferenceMs: number };
    try {
      result = await this.runner.run(ready.map((r) => r.window));
    } catch (err) {
      for (const r of ready) this.fail(r.entry, err);
      return;
    }
    this.options.onBatch?.(ready.length, result.inferenceMs);
    await Promise.all(
      ready.map(async (r, i) => {
        try {
          this.succeed(r.entry, await r.entry.task.finish(result.outputs[i]));
        } catch (err) {
          this.fail(r.entry, err);
        }
      }),
    );
  }
}
