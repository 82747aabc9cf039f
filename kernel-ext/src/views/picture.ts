/** An RGB image in the kernel: a slide region, a whole image, or its stain-normalized copy. */
import type { RgbImage, StainParams } from '@nucleilens/pipeline';
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { pictureBundle } from '../render/picture-bundle.js';
import { formatMs, type StageTiming } from '../stages/stage-run.js';

/** What is known about a picture besides its pixels. */
export interface PictureInfo {
  /** Where it came from (file name, slide name and rectangle). */
  readonly name: string;
  /** Microns per pixel, when known. */
  readonly mpp?: number;
  /** Level-0 px of the top-left pixel in its slide; (0, 0) for a whole image. */
  readonly origin?: { readonly x: number; readonly y: number };
  /** Set on a stain-normalized picture: the source image's fitted stain parameters. */
  readonly stain?: StainParams;
  /** The stage that made it and how long it took. */
  readonly timing?: StageTiming;
}

/** An RGB image with its display (PNG with a scale bar when µm/px is known). */
export class Picture extends RichValue {
  private constructor(
    readonly rgb: RgbImage,
    readonly info: PictureInfo,
    private readonly bundle: MimeBundle,
  ) {
    super();
  }

  /**
   * Wraps an RGB image (rendering its display now).
   * @example
   * const pic = await Picture.create(rgb, { name: 'tile', mpp: 0.25 });
   */
  static async create(rgb: RgbImage, info: PictureInfo): Promise<Picture> {
    const p = new Picture(rgb, info, {});
    return new Picture(rgb, info, await pictureBundle(rgb, info.mpp, p.summary()));
  }

  get width(): number {
    return this.rgb.width;
  }

  get height(): number {
    return this.rgb.height;
  }

  /** Whether these pixels are stain-normalized. */
  get normalized(): boolean {
    return this.info.stain !== undefined;
  }

  mimeBundle(): MimeBundle {
    return this.bundle;
  }

  summary(): string {
    const mpp = this.info.mpp ? `, ${this.info.mpp} µm/px` : '';
    const t = this.info.timing ? ` (${this.info.timing.stage} ${formatMs(this.info.timing.ms)})` : '';
    return `${this.normalized ? 'normalized ' : ''}picture ${this.info.name}: ${this.width}x${this.height}${mpp}${t}`;
  }
}
