/**
 * Writes a JPEG-tiled pyramidal TIFF from level-0 pixels fed in horizontal bands, building
 * each reduced level band by band (2x2 box filter), so memory holds one band per level
 * however large the slide. Three layouts: a plain tiled TIFF (levels chained), an OME-TIFF
 * (levels as SubIFDs of level 0) and an Aperio-SVS-like file (description, thumbnail).
 * Node-only.
 */
import sharp from 'sharp';
import { InvalidArgumentError } from '../errors/index.js';
import type { RgbImage } from '../raster/types.js';
import { bytesEqual, splitJpegTables } from './jpeg-tables.js';
import { downsampleRgb2x } from './region-geometry.js';
import { TiffFileWriter, type TiffPageHandle, type TiffPageSpec } from './tiff-writer.js';

/** Which slide format the file imitates. */
export type PyramidLayout = 'tiled-tiff' | 'ome-tiff' | 'aperio-svs';

/** Options of {@link JpegPyramidWriter.create}. */
export interface JpegPyramidOptions {
  readonly width: number;
  readonly height: number;
  /** Square tile side, a multiple of 16 (default 256). */
  readonly tileSize?: number;
  /** JPEG quality 1..100 (default 85). */
  readonly quality?: number;
  readonly bigTiff?: boolean;
  readonly layout?: PyramidLayout;
  readonly mpp?: number;
  /** Aperio `AppMag` for the SVS layout (default 40). */
  readonly magnification?: number;
  /** ImageDescription of level 0 for the tiled-tiff layout. */
  readonly description?: string;
  /**
   * TIFF Compression code written in the tags (default 7, JPEG). Only tests set another
   * (33003, Aperio JPEG 2000) to check that readers refuse it.
   */
  readonly compressionTag?: number;
}

interface LevelState {
  readonly page: TiffPageHandle;
  readonly width: number;
  readonly height: number;
  /** Rows of this level received so far but not yet written as a tile row. */
  pending: RgbImage | undefined;
  /** Index of the next tile row to write. */
  tileRow: number;
}

const JPEG_SETTINGS = (quality: number) =>
  // Standard Huffman tables (no per-tile optimisation) so every tile shares one JPEGTables.
  ({ quality, optimiseCoding: false, chromaSubsampling: '4:2:0', mozjpeg: false }) as const;

/**
 * Streams a pyramid to disk: call {@link writeBand} with consecutive level-0 bands (any
 * heights), then {@link close}.
 * @example
 * const w = await JpegPyramidWriter.create('slide.tif', { width: 4096, height: 4096, mpp: 0.25 });
 * for (let y = 0; y < 4096; y += 256) await w.writeBand(renderRows(y, 256));
 * await w.close();
 */
export class JpegPyramidWriter {
  private rowsReceived = 0;
  private thumbnail: TiffPageHandle | undefined;
  private smallest: RgbImage | undefined;

  private constructor(
    private readonly tiff: TiffFileWriter,
    private readonly levels: LevelState[],
    private readonly opts: Required<Pick<JpegPyramidOptions, 'width' | 'height' | 'tileSize' | 'quality'>>,
    private readonly tables: Uint8Array,
  ) {
  }

  /** Number of pyramid levels for a `width` x `height` slide: halve until it fits one tile. */
  static levelCount(width: number, height: number, tileSize: number): number {
    let n = 1;
    for (let w = width, h = height; Math.max(w, h) > tileSize; n++) {
      w = Math.ceil(w / 2);
      h = Math.ceil(h / 2);
    }
    return n;
  }

  /**
   * Opens `path` and lays out every page.
   * @throws {InvalidArgumentError} for a bad size, tile size or quality.
   */
  static async create(path: string, options: JpegPyramidOptions): Promise<JpegPyramidWriter> {
    const tileSize = options.tileSize ?? 256;
    const quality = options.quality ?? 85;
    const layout = options.layout ?? 'tiled-tiff';
    if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
      throw new InvalidArgumentError(`JPEG quality must be an integer in 1..100, got ${quality}`);
    }
    const probe = await sharp(Buffer.alloc(16 * 16 * 3, 255), { raw: { width: 16, height: 16, channels: 3 } })
      .jpeg(JPEG_SETTINGS(quality))
      .toBuffer();
    const tables = splitJpegTables(probe).tables;
    const tiff = await TiffFileWriter.create(path, { bigTiff: options.bigTiff ?? false });
    const count = JpegPyramidWriter.levelCount(options.width, options.height, tileSize);
    const levels: LevelState[] = [];
    const writer = new JpegPyramidWriter(tiff, levels, { width: options.width, height: options.height, tileSize, quality }, tables);
    const dims: { w: number; h: number }[] = [{ w: options.width, h: options.height }];
    while (dims.length < count) {
      const prev = dims[dims.length - 1];
      dims.push({ w: Math.ceil(prev.w / 2), h: Math.ceil(prev.h / 2) });
    }
    for (let i = 0; i < count; i++) {
      const { w, h } = dims[i];
      const spec: TiffPageSpec = {
        width: w,
        height: h,
        tileWidth: tileSize,
        tileHeight: tileSize,
        compression: options.compressionTag ?? 7,
        photometric: 6,
        ycbcrSubsampling: [2, 2],
        jpegTables: tables,
        mpp: options.mpp !== undefined ? options.mpp * (options.width / w) : undefined,
        reducedResolution: i > 0,
        description: i === 0 ? writer.levelZeroDescription(options, layout) : undefined,
      };
      const parent = layout === 'ome-tiff' && i > 0 ? levels[0].page : undefined;
      levels.push({ page: tiff.addPage(spec, parent), width: w, height: h, pending: undefined, tileRow: 0 });
      if (i === 0 && layout === 'aperio-svs') writer.thumbnail = writer.addThumbnailPage(options, dims[count - 1]);
    }
    return writer;
  }

  private levelZeroDescription(o: JpegPyramidOptions, layout: PyramidLayout): string | undefined {
    const t = o.tileSize ?? 256;
    if (layout === 'aperio-svs') {
      return (
        `Aperio Image Library v12.0.0 NucleiLens\r\n${o.width}x${o.height} [0,0 ${o.width}x${o.height}] (${t}x${t}) ` +
        `JPEG/YCC Q=${o.quality ?? 85}|AppMag = ${o.magnification ?? 40}|MPP = ${(o.mpp ?? 0.25).toFixed(4)}`
      );
    }
    if (layout === 'ome-tiff') {
      const px = o.mpp !== undefined ? ` PhysicalSizeX="${o.mpp}" PhysicalSizeXUnit="µm" PhysicalSizeY="${o.mpp}" PhysicalSizeYUnit="µm"` : '';
      return (
        '<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">' +
        `<Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint8" SizeX="${o.width}" SizeY="${o.height}" ` +
        `SizeC="3" SizeZ="1" SizeT="1" Interleaved="true"${px}><Channel ID="Channel:0:0" SamplesPerPixel="3"/>` +
        '<TiffData IFD="0" PlaneCount="1"/></Pixels></Image></OME>'
      );
    }
    return o.description;
  }

  private addThumbnailPage(o: JpegPyramidOptions, size: { w: number; h: number }): TiffPageHandle {
    const width = size.w;
    const height = size.h;
    return this.tiff.addPage({
      width,
      height,
      layout: 'strip',
      compression: 1,
      photometric: 2,
      description: `Aperio Image Library v12.0.0 NucleiLens\r\n${o.width}x${o.height} -> ${width}x${height}`,
    });
  }

  /**
   * Appends the next `band.height` rows of level 0 (full width).
   * @throws {InvalidArgumentError} on a width mismatch or rows past the slide's height.
   */
  async writeBand(band: RgbImage): Promise<void> {
    if (band.width !== this.opts.width) {
      throw new InvalidArgumentError(`band is ${band.width} px wide but the slide is ${this.opts.width}`);
    }
    if (this.rowsReceived + band.height > this.opts.height) {
      throw new InvalidArgumentError(`band rows ${this.rowsReceived}..${this.rowsReceived + band.height} exceed height ${this.opts.height}`);
    }
    this.rowsReceived += band.height;
    await this.push(0, band);
  }

  private async push(levelIndex: number, rows: RgbImage): Promise<void> {
    const level = this.levels[levelIndex];
    const ts = this.opts.tileSize;
    let buf = level.pending ? stackRows(level.pending, rows) : rows;
    const isLast = () => level.tileRow * ts + buf.height >= level.height;
    while (buf.height >= ts || (buf.height > 0 && isLast())) {
      const take = Math.min(ts, buf.height);
      const tileRow = sliceRows(buf, 0, take);
      buf = sliceRows(buf, take, buf.height - take);
      await this.writeTileRow(level, tileRow);
      level.tileRow++;
      if (levelIndex === this.levels.length - 1 && this.thumbnail) this.smallest = { ...tileRow, data: tileRow.data.slice() };
      if (levelIndex + 1 < this.levels.length) await this.push(levelIndex + 1, downsampleRgb2x(tileRow));
    }
    level.pending = buf.height > 0 ? buf : undefined;
  }

  private async writeTileRow(level: LevelState, rows: RgbImage): Promise<void> {
    const ts = this.opts.tileSize;
    const cols = Math.ceil(level.width / ts);
    const jobs: Promise<void>[] = [];
    for (let c = 0; c < cols; c++) {
      jobs.push(
        this.encodeTile(rows, c * ts).then((jpeg) => this.tiff.writeBlock(level.page, level.tileRow * cols + c, jpeg)),
      );
    }
    await Promise.all(jobs);
  }

  private async encodeTile(rows: RgbImage, x0: number): Promise<Uint8Array> {
    const ts = this.opts.tileSize;
    // TIFF tiles are always full-size; pad the slide's right and bottom edges with white.
    const tile = new Uint8Array(ts * ts * 3).fill(255);
    const w = Math.min(ts, rows.width - x0);
    for (let y = 0; y < rows.height; y++) {
      const s = (y * rows.width + x0) * 3;
      tile.set(rows.data.subarray(s, s + w * 3), y * ts * 3);
    }
    const jpeg = await sharp(tile, { raw: { width: ts, height: ts, channels: 3 } }).jpeg(JPEG_SETTINGS(this.opts.quality)).toBuffer();
    const split = splitJpegTables(jpeg);
    if (!bytesEqual(split.tables, this.tables)) throw new Error('JPEG encoder produced tile-specific tables');
    return split.abbreviated;
  }

  /**
   * Writes the last directories and closes the file.
   * @throws {InvalidArgumentError} when fewer rows than the height were written.
   */
  async close(): Promise<void> {
    if (this.rowsReceived !== this.opts.height) {
      await this.tiff.abort();
      throw new InvalidArgumentError(`only ${this.rowsReceived} of ${this.opts.height} rows were written`);
    }
    if (this.thumbnail) {
      // The smallest level fits in one tile, so it was kept whole: it is the thumbnail.
      const last = this.levels[this.levels.length - 1];
      await this.tiff.writeBlock(this.thumbnail, 0, this.smallest?.data ?? new Uint8Array(last.width * last.height * 3).fill(255));
    }
    await this.tiff.close();
  }

  /** Deletes the partial file. */
  abort(): Promise<void> {
    return this.tiff.abort();
  }

}

function sliceRows(img: RgbImage, y: number, h: number): RgbImage {
  return { width: img.width, height: h, data: img.data.subarray(y * img.width * 3, (y + h) * img.width * 3) };
}

function stackRows(a: RgbImage, b: RgbImage): RgbImage {
  const data = new Uint8Array(a.data.length + b.data.length);
  data.set(a.data, 0);
  data.set(b.data, a.data.length);
  return { width: a.width, height: a.height + b.height, data };
}
