/** An open slide (or plain image): its thumbnail and pyramid as the display. */
import type { SlideReader } from '@nucleilens/pipeline';
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { pictureBundle, DISPLAY_MAX_SIDE } from '../render/picture-bundle.js';

/** An open slide with its name and microns per pixel (from the file, or given). */
export class Slide extends RichValue {
  private constructor(
    readonly reader: SlideReader,
    readonly name: string,
    readonly mpp: number | undefined,
    private readonly bundle: MimeBundle,
  ) {
    super();
  }

  /**
   * Wraps an open reader, reading a thumbnail now from the level nearest the display size.
   * @example
   * const slide = await Slide.create(await openSlide(path), 'demo', undefined);
   */
  static async create(reader: SlideReader, name: string, mpp: number | undefined): Promise<Slide> {
    const { width, height } = reader.info;
    const want = Math.max(width, height) / DISPLAY_MAX_SIDE;
    const level = reader.bestLevelForDownsample(Math.max(1, want));
    const thumb = await reader.readRegion({ x: 0, y: 0, width, height }, level);
    const downsample = width / thumb.width;
    const draft = new Slide(reader, name, mpp, {});
    return new Slide(reader, name, mpp, await pictureBundle(thumb, mpp === undefined ? undefined : mpp * downsample, draft.summary()));
  }

  get width(): number {
    return this.reader.info.width;
  }

  get height(): number {
    return this.reader.info.height;
  }

  mimeBundle(): MimeBundle {
    return this.bundle;
  }

  summary(): string {
    const i = this.reader.info;
    const mpp = this.mpp ? `${this.mpp} µm/px` : 'µm/px unknown';
    return `slide ${this.name} (${i.format}): ${i.width}x${i.height} px level 0, ${i.levels.length} level(s), ${mpp}`;
  }
}
