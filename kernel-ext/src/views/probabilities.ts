/** The network's two probability maps for a picture, shown with a colour map. */
import type { PostprocessParams, ProbMap } from '@nucleilens/pipeline';
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { colourBar, colourizeProbability } from '../render/colormap.js';
import { fitForDisplay, sideBySide } from '../render/compose.js';
import { pngBase64 } from '../render/png-base64.js';
import { formatMs, type StageTiming } from '../stages/stage-run.js';
import type { Picture } from './picture.js';

/** Where a pair of maps came from and what post-processing suits them. */
export interface ProbabilitiesInfo {
  /** e.g. `model default (cpu)` or `reference USE-Net maps`. */
  readonly source: string;
  /** The picture they were predicted from, for overlays and measurements. */
  readonly picture?: Picture;
  /** Post-processing parameters these maps are meant for (model card or the authors' recipe). */
  readonly defaults: PostprocessParams;
  readonly timing?: StageTiming;
}

/** Nucleus-mask and shape-marker probabilities of one picture. */
export class Probabilities extends RichValue {
  private constructor(
    readonly mask: ProbMap,
    readonly marker: ProbMap,
    readonly info: ProbabilitiesInfo,
    private readonly png: string,
  ) {
    super();
  }

  /**
   * Wraps two maps (rendering mask | marker | colour bar now).
   * @example
   * const probs = await Probabilities.create(mask, marker, { source: 'reference', defaults: PAPER_PARAMS });
   */
  static async create(mask: ProbMap, marker: ProbMap, info: ProbabilitiesInfo): Promise<Probabilities> {
    const m = fitForDisplay(colourizeProbability(mask), 512).image;
    const k = fitForDisplay(colourizeProbability(marker), 512).image;
    return new Probabilities(mask, marker, info, await pngBase64(sideBySide([m, k, colourBar(12, m.height)], 8)));
  }

  get width(): number {
    return this.mask.width;
  }

  get height(): number {
    return this.mask.height;
  }

  mimeBundle(): MimeBundle {
    return { 'image/png': this.png, 'text/plain': this.summary() };
  }

  summary(): string {
    const t = this.info.timing ? ` (${this.info.timing.stage} ${formatMs(this.info.timing.ms)})` : '';
    return `probabilities ${this.width}x${this.height} from ${this.info.source}: nucleus mask | shape marker | scale 0 (bottom) to 1 (top)${t}`;
  }
}
