/**
 * A streaming writer for tiled (or single-strip) RGB TIFF and BigTIFF files: blocks are
 * appended as they are produced and the directories are written last, so a gigapixel
 * pyramid never has to be in memory. Supports pages chained in the main IFD list and
 * pages hung under another as SubIFDs (OME-TIFF pyramids), shared JPEGTables, an
 * ImageDescription and a physical resolution. Node-only.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors/index.js';

/** One page (image file directory) to write. */
export interface TiffPageSpec {
  readonly width: number;
  readonly height: number;
  /** `'tiled'` (default) writes `tileWidth` x `tileHeight` blocks; `'strip'` one strip of the whole image. */
  readonly layout?: 'tiled' | 'strip';
  readonly tileWidth?: number;
  readonly tileHeight?: number;
  /** TIFF Compression code written as is: 1 none, 7 JPEG (blocks must be JPEG streams). */
  readonly compression: number;
  /** 2 RGB, 6 YCbCr (JPEG streams in their native YCbCr). */
  readonly photometric: 2 | 6;
  /** YCbCrSubSampling for photometric 6, e.g. [2, 2] for 4:2:0 JPEG. */
  readonly ycbcrSubsampling?: readonly [number, number];
  /** Shared JPEG tables (see `splitJpegTables`); blocks are then abbreviated streams. */
  readonly jpegTables?: Uint8Array;
  readonly description?: string;
  /** Microns per pixel, written as XResolution/YResolution in pixels per centimetre. */
  readonly mpp?: number;
  /** NewSubfileType bit 0: a reduced-resolution copy of another page. */
  readonly reducedResolution?: boolean;
}

/** A page being written; pass it to {@link TiffFileWriter.writeBlock}. */
export interface TiffPageHandle {
  readonly spec: TiffPageSpec;
  /** Number of blocks (tiles or strips) the page needs, row-major. */
  readonly blockCount: number;
  /** Blocks per row. */
  readonly columns: number;
}

interface PageState extends TiffPageHandle {
  readonly offsets: number[];
  readonly counts: number[];
  readonly children: PageState[];
  readonly isSub: boolean;
}

type Entry = { tag: number; type: number; values: readonly number[] | Uint8Array };

const T = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, RATIONAL: 5, UNDEFINED: 7, LONG8: 16 } as const;
// Bytes per stored number (a RATIONAL is stored as two LONG numbers).
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 4, 7: 1, 16: 8 };

/**
 * Writes one TIFF file. Blocks may be written in any order and concurrently; file writes
 * are serialized internally.
 * @example
 * const w = await TiffFileWriter.create('out.tif', { bigTiff: false });
 * const page = w.addPage({ width: 512, height: 512, tileWidth: 256, tileHeight: 256, compression: 7, photometric: 6 });
 * for (let i = 0; i < page.blockCount; i++) await w.writeBlock(page, i, jpegTile(i));
 * await w.close();
 */
export class TiffFileWriter {
  private readonly pages: PageState[] = [];
  private position: number;
  private queue: Promise<unknown> = Promise.resolve();
  private failed: unknown;

  private constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    readonly bigTiff: boolean,
  ) {
    this.position = bigTiff ? 16 : 8;
  }

  /** Creates (truncates) `path`. */
  static async create(path: string, options: { bigTiff: boolean }): Promise<TiffFileWriter> {
    return new TiffFileWriter(await open(path, 'w'), path, options.bigTiff);
  }

  /**
   * Adds a page, in the main chain or (with `parent`) as one of `parent`'s SubIFDs.
   * @throws {InvalidArgumentError} for a bad size or tile size (tiles must be multiples of 16).
   */
  addPage(spec: TiffPageSpec, parent?: TiffPageHandle): TiffPageHandle {
    if (!(Number.isInteger(spec.width) && Number.isInteger(spec.height) && spec.width > 0 && spec.height > 0)) {
      throw new InvalidArgumentError(`page size must be positive integers, got ${spec.width}x${spec.height}`);
    }
    const tiled = (spec.layout ?? 'tiled') === 'tiled';
    const tw = tiled ? spec.tileWidth ?? 256 : spec.width;
    const th = tiled ? spec.tileHeight ?? 256 : spec.height;
    if (tiled && (tw % 16 !== 0 || th % 16 !== 0 || tw <= 0 || th <= 0)) {
      throw new InvalidArgumentError(`TIFF tile size must be a positive multiple of 16, got ${tw}x${th}`);
    }
    const columns = Math.ceil(spec.width / tw);
    const blockCount = columns * Math.ceil(spec.height / th);
    const page: PageState = {
      spec: { ...spec, tileWidth: tw, tileHeight: th },
      blockCount,
      columns,
      offsets: new Array<number>(blockCount).fill(-1),
      counts: new Array<number>(blockCount).fill(0),
      children: [],
      isSub: parent !== undefined,
    };
    if (parent) {
      const p = this.pages.find((x) => x === parent);
      if (!p) throw new InvalidArgumentError('parent page does not belong to this writer');
      p.children.push(page);
    }
    this.pages.push(page);
    return page;
  }

  /** Appends block `index` (row-major) of `page`. */
  writeBlock(page: TiffPageHandle, index: number, bytes: Uint8Array): Promise<void> {
    const p = page as PageState;
    if (!Number.isInteger(index) || index < 0 || index >= p.blockCount) {
      throw new InvalidArgumentError(`block index ${index} outside 0..${p.blockCount - 1}`);
    }
    const at = this.position;
    this.position += bytes.length + (bytes.length & 1);
    p.offsets[index] = at;
    p.counts[index] = bytes.length;
    return this.enqueue(() => this.fh.write(bytes, 0, bytes.length, at));
  }

  private enqueue(job: () => Promise<unknown>): Promise<void> {
    const next = this.queue.then(() => {
      if (this.failed) throw this.failed;
      return job();
    });
    this.queue = next.catch((err: unknown) => {
      this.failed ??= err;
    });
    return next.then(() => undefined);
  }

  /**
   * Writes the directories and header and closes the file.
   * @throws {InvalidArgumentError} when a page is missing blocks.
   */
  async close(): Promise<void> {
    try {
      for (const p of this.pages) {
        const missing = p.offsets.indexOf(-1);
        if (missing >= 0) throw new InvalidArgumentError(`page ${p.spec.width}x${p.spec.height}: block ${missing} was never written`);
      }
      await this.queue;
      if (this.failed) throw this.failed;
      const ifdStart = this.position + (this.position & 1);
      const sizes = this.pages.map((p) => this.encodeIfd(p, 0, new Map(), 0).length);
      const offsets = new Map<PageState, number>();
      let at = ifdStart;
      this.pages.forEach((p, i) => {
        offsets.set(p, at);
        at += sizes[i];
      });
      const main = this.pages.filter((p) => !p.isSub);
      const blocks = this.pages.map((p) => {
        const k = main.indexOf(p);
        const next = k >= 0 && k + 1 < main.length ? offsets.get(main[k + 1])! : 0;
        return this.encodeIfd(p, offsets.get(p)!, offsets, next);
      });
      const all = new Uint8Array(at - ifdStart);
      let o = 0;
      for (const b of blocks) {
        all.set(b, o);
        o += b.length;
      }
      await this.fh.write(all, 0, all.length, ifdStart);
      await this.fh.write(this.header(offsets.get(main[0])!), 0, this.bigTiff ? 16 : 8, 0);
    } finally {
      await this.fh.close();
    }
  }

  /** Closes and deletes the partial file (after a failure or cancellation). */
  async abort(): Promise<void> {
    await this.queue;
    await this.fh.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  private header(firstIfd: number): Uint8Array {
    const buf = new Uint8Array(this.bigTiff ? 16 : 8);
    const dv = new DataView(buf.buffer);
    buf[0] = 0x49;
    buf[1] = 0x49;
    if (this.bigTiff) {
      dv.setUint16(2, 43, true);
      dv.setUint16(4, 8, true);
      dv.setBigUint64(8, BigInt(firstIfd), true);
    } else {
      dv.setUint16(2, 42, true);
      dv.setUint32(4, firstIfd, true);
    }
    return buf;
  }

  private entries(p: PageState, offsets: ReadonlyMap<PageState, number>): Entry[] {
    const s = p.spec;
    const offType = this.bigTiff ? T.LONG8 : T.LONG;
    const tiled = (s.layout ?? 'tiled') === 'tiled';
    const e: Entry[] = [
      { tag: 254, type: T.LONG, values: [s.reducedResolution ? 1 : 0] },
      { tag: 256, type: T.LONG, values: [s.width] },
      { tag: 257, type: T.LONG, values: [s.height] },
      { tag: 258, type: T.SHORT, values: [8, 8, 8] },
      { tag: 259, type: T.SHORT, values: [s.compression] },
      { tag: 262, type: T.SHORT, values: [s.photometric] },
      { tag: 277, type: T.SHORT, values: [3] },
      { tag: 284, type: T.SHORT, values: [1] },
    ];
    if (s.description !== undefined) e.push({ tag: 270, type: T.ASCII, values: new TextEncoder().encode(`${s.description}\0`) });
    if (s.mpp !== undefined) {
      // Pixels per centimetre as a rational with three decimals.
      const r = [Math.round(1e7 / s.mpp), 1000];
      e.push({ tag: 282, type: T.RATIONAL, values: r }, { tag: 283, type: T.RATIONAL, values: r }, { tag: 296, type: T.SHORT, values: [3] });
    }
    if (tiled) {
      e.push(
        { tag: 322, type: T.LONG, values: [s.tileWidth!] },
        { tag: 323, type: T.LONG, values: [s.tileHeight!] },
        { tag: 324, type: offType, values: p.offsets },
        { tag: 325, type: offType, values: p.counts },
      );
    } else {
      e.push(
        { tag: 273, type: offType, values: p.offsets },
        { tag: 278, type: T.LONG, values: [s.height] },
        { tag: 279, type: offType, values: p.counts },
      );
    }
    if (p.children.length > 0) e.push({ tag: 330, type: offType, values: p.children.map((c) => offsets.get(c) ?? 0) });
    if (s.jpegTables) e.push({ tag: 347, type: T.UNDEFINED, values: s.jpegTables });
    if (s.photometric === 6) e.push({ tag: 530, type: T.SHORT, values: [...(s.ycbcrSubsampling ?? [2, 2])] });
    return e.sort((a, b) => a.tag - b.tag);
  }

  private encodeIfd(p: PageState, at: number, offsets: ReadonlyMap<PageState, number>, next: number): Uint8Array {
    const entries = this.entries(p, offsets);
    const big = this.bigTiff;
    const entrySize = big ? 20 : 12;
    const inline = big ? 8 : 4;
    const headSize = (big ? 8 : 2) + entries.length * entrySize + (big ? 8 : 4);
    let extra = 0;
    for (const en of entries) {
      const n = en.values.length * TYPE_SIZE[en.type];
      if (n > inline) extra += n + (n & 1);
    }
    const buf = new Uint8Array(headSize + extra);
    const dv = new DataView(buf.buffer);
    const putOffset = (o: number, v: number) => (big ? dv.setBigUint64(o, BigInt(v), true) : dv.setUint32(o, v, true));
    if (big) dv.setBigUint64(0, BigInt(entries.length), true);
    else dv.setUint16(0, entries.length, true);
    let dataAt = headSize;
    entries.forEach((en, k) => {
      const o = (big ? 8 : 2) + k * entrySize;
      const count = en.type === T.RATIONAL ? en.values.length / 2 : en.values.length;
      dv.setUint16(o, en.tag, true);
      dv.setUint16(o + 2, en.type, true);
      if (big) dv.setBigUint64(o + 4, BigInt(count), true);
      else dv.setUint32(o + 4, count, true);
      const n = en.values.length * TYPE_SIZE[en.type];
      const valueAt = big ? o + 12 : o + 8;
      let w = valueAt;
      if (n > inline) {
        putOffset(valueAt, at + dataAt);
        w = dataAt;
        dataAt += n + (n & 1);
      }
      for (const v of en.values) {
        switch (en.type) {
          case T.BYTE:
          case T.ASCII:
          case T.UNDEFINED:
            dv.setUint8(w, v);
            w += 1;
            break;
          case T.SHORT:
            dv.setUint16(w, v, true);
            w += 2;
            break;
          case T.LONG:
          case T.RATIONAL:
            dv.setUint32(w, v, true);
            w += 4;
            break;
          case T.LONG8:
            dv.setBigUint64(w, BigInt(v), true);
            w += 8;
            break;
        }
      }
    });
    putOffset(headSize - (big ? 8 : 4), next);
    return buf;
  }
}
