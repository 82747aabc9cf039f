/**
 * Waiting on shared work with a private AbortSignal: the waiter stops waiting when its own
 * signal fires, while the work goes on for the others.
 */
import { AbortedError } from '../errors/index.js';

/**
 * Resolves as `promise` does, or rejects with {@link AbortedError} as soon as `signal` fires.
 * @example
 * const tile = await raceAbort(sharedLoad, req.signal);
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortedError(undefined, { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError(undefined, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Coalesces identical in-flight loads. The underlying load gets its own signal, aborted
 * only when every waiter has given up, so one client leaving never cancels another's work.
 */
export class SharedLoads<K, V> {
  private readonly inflight = new Map<K, { promise: Promise<V>; controller: AbortController; waiters: number }>();

  /** The result of `load(key)`, started once for all concurrent callers of the same key. */
  async get(key: K, signal: AbortSignal | undefined, load: (signal: AbortSignal) => Promise<V>): Promise<V> {
    let entry = this.inflight.get(key);
    if (!entry) {
      const controller = new AbortController();
      const promise: Promise<V> = load(controller.signal).finally(() => {
        if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
      });
      // Waiters may all leave before it settles; keep the rejection from going unhandled.
      promise.catch(() => undefined);
      entry = { promise, controller, waiters: 0 };
      this.inflight.set(key, entry);
    }
    entry.waiters++;
    const current = entry;
    try {
      return await raceAbort(current.promise, signal);
    } finally {
      current.waiters--;
      if (current.waiters === 0 && signal?.aborted) {
        // Forget the doomed load at once: a caller arriving before it settles must start a
        // fresh one, not inherit an AbortedError its own client never asked for.
        if (this.inflight.get(key) === current) this.inflight.delete(key);
        current.controller.abort(signal.reason);
      }
    }
  }

  /** Number of loads in flight (for metrics). */
  get size(): number {
    return this.inflight.size;
  }
}
