/**
 * A least-recently-used cache bounded by bytes rather than entries, so a budget holds
 * whether entries are 64 KiB tiles or 3 MiB regions. Browser-safe (no Node built-ins).
 */
import { InvalidArgumentError } from '../errors/index.js';

/** Counters a cache exposes for metrics. */
export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly entries: number;
  readonly bytes: number;
  readonly budgetBytes: number;
}

/**
 * Map-backed LRU: `get` refreshes recency; `set` evicts the oldest entries until the total
 * `sizeOf` fits the budget. An entry larger than the whole budget is not stored.
 * @example
 * const cache = new ByteLruCache<string, Uint8Array>(64 << 20, (v) => v.byteLength);
 * cache.set('a', new Uint8Array(10));
 * cache.get('a'); // the array; counts a hit
 */
export class ByteLruCache<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private total = 0;
  private hitCount = 0;
  private missCount = 0;
  private evictionCount = 0;

  /**
   * @param budgetBytes upper bound on the summed `sizeOf` of stored values (>= 0)
   * @param sizeOf bytes a value holds
   * @throws {InvalidArgumentError} for a negative or non-finite budget
   */
  constructor(
    readonly budgetBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {
    if (!(budgetBytes >= 0) || !Number.isFinite(budgetBytes)) {
      throw new InvalidArgumentError(`cache budget must be a finite number of bytes >= 0, got ${budgetBytes}`);
    }
  }

  /** The value for `key`, refreshed as most recently used; `undefined` (a miss) when absent. */
  get(key: K): V | undefined {
    const entry = this.map.get(key);
    if (!entry) {
      this.missCount++;
      return undefined;
    }
    this.hitCount++;
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value;
  }

  /** True when present; does not count as a hit or change recency. */
  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Stores `value`, evicting least recently used entries to stay within budget. */
  set(key: K, value: V): void {
    const bytes = this.sizeOf(value);
    this.delete(key);
    if (bytes > this.budgetBytes) return;
    this.map.set(key, { value, bytes });
    this.total += bytes;
    for (const [oldKey, old] of this.map) {
      if (this.total <= this.budgetBytes) break;
      this.map.delete(oldKey);
      this.total -= old.bytes;
      this.evictionCount++;
    }
  }

  /** Removes `key`; true when it was present. */
  delete(key: K): boolean {
    const entry = this.map.get(key);
    if (!entry) return false;
    this.map.delete(key);
    this.total -= entry.bytes;
    return true;
  }

  /** Removes every entry whose key satisfies `predicate` (e.g. all tiles of a closed slide). */
  deleteWhere(predicate: (key: K) => boolean): void {
    for (const key of [...this.map.keys()]) if (predicate(key)) this.delete(key);
  }

  /** Current counters. */
  stats(): CacheStats {
    return {
      hits: this.hitCount,
      misses: this.missCount,
      evictions: this.evictionCount,
      entries: this.map.size,
      bytes: this.total,
      budgetBytes: this.budgetBytes,
    };
  }
}
