/**
 * Plain PNG, JPEG, WebP and untiled TIFF images (a MoNuSeg tile, a photo of a field):
 * decoded whole by sharp, with a binary pyramid built in memory so the same tile and
 * region code serves them. Node-only.
 */
import sharp from 'sharp';
import { UnsupportedFormatError } from '../errors/index.js';
import { readRgb } from '../io/image-io.js';
import type { RgbImage } from '../raster/types.js';
import { BaseSlideReader } from './base-reader.js';
import { blitRgbInPlace, downsampleRgb2x } from './region-geometry.js';
import { isPlausibleMpp } from './tiff-page.js';
import type { SlideFormat } from './format.js';
import type { LevelRect, SlideInfo } from './types.js';

/** The virtual tile size reported for in-memory pyramids (they have no native tiles). */
const VIRTUAL_TILE = 256;

/** A reader over an RGB image held in memory with its halvings. */
export class InMemoryPyramidReader extends BaseSlideReader {
  readonly info: SlideInfo;
  private readonly levels: RgbImage[];

  /**
   * @param image level 0 (RGB, not copied; must not be mutated afterwards)
   * @param mpp microns per pixel when known
   */
  constructor(image: RgbImage, mpp: number | undefined, format = 'image') {
    super();
    this.levels = [image];
    while (Math.max(this.levels[this.levels.length - 1].width, this.levels[this.levels.length - 1].height) > VIRTUAL_TILE) {
      this.levels.push(downsampleRgb2x(this.levels[this.levels.length - 1]));
    }
    this.info = {
      format,
      width: image.width,
      height: image.height,
      levels: this.levels.map((l) => ({
        width: l.width,
        height: l.height,
        downsample: (image.width / l.width + image.height / l.height) / 2,
        tileWidth: VIRTUAL_TILE,
        tileHeight: VIRTUAL_TILE,
      })),
      mpp,
      magnification: undefined,
      tileWidth: VIRTUAL_TILE,
      tileHeight: VIRTUAL_TILE,
    };
  }

  protected async readLevelPixels(rect: LevelRect, level: number): Promise<RgbImage> {
    const out: RgbImage = { width: rect.width, height: rect.height, data: new Uint8Array(rect.width * rect.height * 3) };
    blitRgbInPlace(out, rect, this.levels[level], { x: 0, y: 0 });
    return out;
  }

  async close(): Promise<void> {
    this.levels.length = 0;
  }
}

/** The plain image format (priority 0: the fallback for anything sharp decodes whole). */
export const plainImageFormat: SlideFormat = {
  name: 'image',
  priority: 0,
  canRead(probe) {
    if (probe.magic === 'png' || probe.magic === 'jpeg' || probe.magic === 'webp') return true;
    // An untiled TIFF has no pyramid to read tile by tile: decode it whole.
    return probe.tiff !== undefined && probe.tiff.pages[0]?.tiled === false;
  },
  async open(probe, context) {
    const base = probe.tiff?.pages[0];
    await probe.tiff?.file.close();
    const meta = await sharp(probe.path, { limitInputPixels: false })
      .metadata()
      .catch((err: unknown) => {
        throw new UnsupportedFormatError(`${probe.path}: not an image sharp can read (${(err as Error).message})`, {
          cause: err,
        });
      });
    const pixels = (meta.width ?? 0) * (meta.height ?? 0);
    if (pixels > context.maxInMemoryPixels) {
      throw new UnsupportedFormatError(
        `${probe.path}: ${meta.width}x${meta.height} is too large to hold in memory (limit ${context.maxInMemoryPixels} px); ` +
          'convert it with `nucleilens convert IN OUT.tif` to a tiled pyramidal TIFF',
      );
    }
    const image = await readRgb(probe.path);
    // libvips reports density in pixels per inch; 72 (its default) fails the plausibility test.
    const mpp = meta.density ? 25400 / meta.density : undefined;
    return new InMemoryPyramidReader(image, base?.mpp ?? (isPlausibleMpp(mpp) ? mpp : undefined));
  },
};
