/** Instance labels (predicted or ground truth) shown as a coloured overlay on their picture. */
import type { LabelImage, PostprocessParams } from '@nucleilens/pipeline';
import { assertSameSize, countLabels } from '@nucleilens/pipeline';
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { overlayLabels } from '../render/label-colours.js';
import { fitForDisplay, shrinkLabels } from '../render/compose.js';
import { DISPLAY_MAX_SIDE, pictureBundle } from '../render/picture-bundle.js';
import { formatMs, type StageTiming } from '../stages/stage-run.js';
import type { Picture } from './picture.js';
import type { Probabilities } from './probabilities.js';

/** Where labels came from. */
export interface SegmentationInfo {
  readonly kind: 'prediction' | 'ground truth';
  /** The picture the labels lie on (the overlay's background). */
  readonly picture: Picture;
  /** The parameters that made a prediction. */
  readonly params?: PostprocessParams;
  /** The maps a prediction was post-processed from. */
  readonly probabilities?: Probabilities;
  readonly timing?: StageTiming;
}

/** A label image with its overlay display and instance count. */
export class Segmentation extends RichValue {
  private constructor(
    readonly labels: LabelImage,
    readonly count: number,
    readonly info: SegmentationInfo,
    private readonly bundle: MimeBundle,
  ) {
    super();
  }

  /**
   * Wraps labels (rendering the overlay now).
   * @throws {ShapeError} when labels and picture differ in size.
   * @example
   * const seg = await Segmentation.create(labels, { kind: 'prediction', picture, params });
   */
  static async create(labels: LabelImage, info: SegmentationInfo): Promise<Segmentation> {
    assertSameSize('labels', labels, 'picture', info.picture.rgb);
    const count = countLabels(labels);
    const draft = new Segmentation(labels, count, info, {});
    // Outlines are drawn after shrinking, so they stay one crisp display pixel wide.
    const { image, factor } = fitForDisplay(info.picture.rgb, DISPLAY_MAX_SIDE);
    const overlay = overlayLabels(image, shrinkLabels(labels, factor));
    const mpp = info.picture.info.mpp;
    return new Segmentation(labels, count, info, await pictureBundle(overlay, mpp === undefined ? undefined : mpp * factor, draft.summary()));
  }

  mimeBundle(): MimeBundle {
    return this.bundle;
  }

  summary(): string {
    const p = this.info.params;
    const how = p ? ` (recipe ${p.recipe}, mask > ${p.maskThreshold}, marker > ${p.markerThreshold})` : '';
    const t = this.info.timing ? ` ${this.info.timing.stage} ${formatMs(this.info.timing.ms)}` : '';
    return `${this.info.kind}: ${this.count} nuclei on ${this.info.picture.info.name}${how}${t}`;
  }
}
