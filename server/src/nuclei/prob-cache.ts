/**
 * The probability cache: per compute tile, the network's two maps as uint8 (p x 255),
 * deflate-compressed (probabilities are mostly flat background, so a 640x640 pair of about
 * 800 KB shrinks several-fold and the byte budget holds that many more tiles), in a
 * byte-budget LRU, and optionally on disk under the cache folder so a restart does not
 * repeat inference. In front of it, the tiles used last stay inflated (an eighth of the
 * budget): a threshold change re-reads the same few tiles, and inflating them again put
 * 5-20 ms on its critical path. A threshold change never reaches the network.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { ByteLruCache, CorruptInputError, type ProbMapU8 } from '@nucleilens/pipeline';

const deflateAsync = promisify(deflateRaw);
const inflateAsync = promisify(inflateRaw);

/** A compute tile's maps over its region. */
export interface ProbPair {
  readonly mask: ProbMapU8;
  readonly marker: ProbMapU8;
}

interface Packed {
  readonly width: number;
  readonly height: number;
  readonly bytes: Buffer;
}

const MAGIC = 0x4e4c5031; // "NLP1"
const HEADER = 12;

/** Counters for metrics. */
export interface ProbCacheStats {
  readonly memoryHits: number;
  readonly diskHits: number;
  readonly misses: number;
  readonly bytes: number;
  readonly entries: number;
}

/**
 * @example
 * const cache = new ProbCache(256 << 20, '.cache/server/probs');
 * await cache.set(key, { mask, marker });
 * const pair = await cache.get(key);
 */
export class ProbCache {
  private readonly memory: ByteLruCache<string, Packed>;
  private readonly inflated: ByteLruCache<string, ProbPair>;
  private counts = { memoryHits: 0, diskHits: 0, misses: 0 };

  /**
   * @param budgetBytes memory budget for compressed tiles
   * @param dir folder for the disk tier; none when undefined
   * @param onDiskError told (once per problem, by the caller's logger) when the disk tier fails; memory still works
   */
  constructor(
    budgetBytes: number,
    private readonly dir: string | undefined,
    private readonly onDiskError: (message: string) => void = () => undefined,
  ) {
    this.memory = new ByteLruCache(budgetBytes, (p) => p.bytes.byteLength + 64);
    this.inflated = new ByteLruCache(Math.floor(budgetBytes / 8), (p) => p.mask.data.byteLength + p.marker.data.byteLength + 64);
  }

  /** The maps for `key` from memory, else disk; `undefined` when neither has them. */
  async get(key: string): Promise<ProbPair | undefined> {
    const ready = this.inflated.get(key);
    if (ready) {
      this.counts.memoryHits++;
      return ready;
    }
    const hot = this.memory.get(key);
    if (hot) {
      this.counts.memoryHits++;
      const pair = await unpack(hot);
      this.inflated.set(key, pair);
      return pair;
    }
    const fromDisk = await this.readDisk(key);
    if (fromDisk) {
      try {
        const pair = await unpack(fromDisk);
        this.counts.diskHits++;
        this.memory.set(key, fromDisk);
        return pair;
      } catch (err) {
        // A damaged cache file is a miss: the tile is inferred again and the file rewritten.
        this.onDiskError(`probability disk cache: ${(err as Error).message}`);
      }
    }
    this.counts.misses++;
    return undefined;
  }

  /** True when memory holds `key` (no disk look-up, no counters). */
  hasInMemory(key: string): boolean {
    return this.memory.has(key);
  }

  /** Stores the maps (memory now, disk in the background). */
  async set(key: string, pair: ProbPair): Promise<void> {
    const { width, height } = pair.mask;
    const raw = Buffer.allocUnsafe(2 * width * height);
    raw.set(pair.mask.data, 0);
    raw.set(pair.marker.data, width * height);
    const packed: Packed = { width, height, bytes: await deflateAsync(raw, { level: 1 }) };
    this.memory.set(key, packed);
    if (this.dir) void this.writeDisk(key, packed);
  }

  stats(): ProbCacheStats {
    const m = this.memory.stats();
    return { ...this.counts, bytes: m.bytes, entries: m.entries };
  }

  private path(key: string): string {
    const h = createHash('sha1').update(key).digest('hex');
    return join(this.dir!, h.slice(0, 2), `${h}.bin`);
  }

  private async readDisk(key: string): Promise<Packed | undefined> {
    if (!this.dir) return undefined;
    let buf: Buffer;
    try {
      buf = await readFile(this.path(key));
    } catch {
      return undefined;
    }
    if (buf.length < HEADER || buf.readUInt32LE(0) !== MAGIC) return undefined;
    return { width: buf.readUInt32LE(4), height: buf.readUInt32LE(8), bytes: buf.subarray(HEADER) };
  }

  private async writeDisk(key: string, p: Packed): Promise<void> {
    const file = this.path(key);
    try {
      await mkdir(join(file, '..'), { recursive: true });
      const header = Buffer.alloc(HEADER);
      header.writeUInt32LE(MAGIC, 0);
      header.writeUInt32LE(p.width, 4);
      header.writeUInt32LE(p.height, 8);
      // Write then rename: a crash mid-write never leaves a truncated tile under the real name.
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, Buffer.concat([header, p.bytes]));
      await rename(tmp, file);
    } catch (err) {
      this.onDiskError(`probability disk cache: ${(err as Error).message}`);
    }
  }
}

async function unpack(p: Packed): Promise<ProbPair> {
  const n = p.width * p.height;
  const raw = await inflateAsync(p.bytes);
  if (raw.length !== 2 * n) throw new CorruptInputError(`cached probabilities hold ${raw.length} bytes, expected ${2 * n}`);
  const data = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  return {
    mask: { width: p.width, height: p.height, data: data.subarray(0, n) },
    marker: { width: p.width, height: p.height, data: data.subarray(n) },
  };
}
