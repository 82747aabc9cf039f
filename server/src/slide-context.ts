/**
 * Everything the server keeps per open slide: the reader, a fingerprint of the file
 * version (for ETags and cache keys) and typed per-slide memos for derived state such as
 * fitted stain parameters or probability caches, so later routes add state without
 * growing this class.
 */
import type { SlideInfo, SlideReader } from '@nucleilens/pipeline';

/**
 * A typed key for {@link SlideContext.memo}; the type parameter is the memo's value type.
 * @example
 * const STAIN = new SlideMemoKey<StainParams>('stain');
 * const params = await ctx.memo(STAIN, () => fitStainAtLowLevel(ctx.reader));
 */
export class SlideMemoKey<T> {
  declare private readonly phantom: T;
  constructor(readonly name: string) {}
}

/** One open slide as the server sees it. */
export class SlideContext {
  private readonly memos = new Map<SlideMemoKey<unknown>, Promise<unknown>>();

  constructor(
    /** The slide id (file name without extension). */
    readonly id: string,
    /** Absolute path inside the slide folder. */
    readonly path: string,
    readonly reader: SlideReader,
    /** Changes whenever the file does (size, mtime, inode): part of every ETag and cache key. */
    readonly fingerprint: string,
  ) {}

  get info(): SlideInfo {
    return this.reader.info;
  }

  /**
   * The value for `key`, computed once per slide version; a failed computation is forgotten
   * so the next request retries.
   */
  memo<T>(key: SlideMemoKey<T>, compute: () => Promise<T>): Promise<T> {
    let p = this.memos.get(key) as Promise<T> | undefined;
    if (!p) {
      p = compute();
      this.memos.set(key, p);
      p.catch(() => this.memos.delete(key));
    }
    return p;
  }

  /** Closes the reader and drops memos. */
  async close(): Promise<void> {
    this.memos.clear();
    await this.reader.close();
  }
}
