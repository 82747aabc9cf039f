/** Every intermediate of one pipeline run, and the time each stage took. */
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { escapeHtml, htmlTable } from '../render/html-table.js';
import { formatMs, type StageTiming } from '../stages/stage-run.js';
import type { Measurements } from './measurements.js';
import type { Picture } from './picture.js';
import type { Probabilities } from './probabilities.js';
import type { Scores } from './scores.js';
import type { Segmentation } from './segmentation.js';

/** The stages' outputs, in order. */
export interface PipelineStages {
  readonly picture: Picture;
  readonly normalized: Picture;
  readonly probabilities: Probabilities;
  readonly segmentation: Segmentation;
  readonly measurements: Measurements;
  readonly scores?: Scores;
}

/** A finished run: its intermediates (each displayable on its own) and a timing table. */
export class PipelineRun extends RichValue {
  constructor(readonly stages: PipelineStages) {
    super();
  }

  /** Stage timings in run order. */
  timings(): StageTiming[] {
    const s = this.stages;
    return [s.picture.info.timing, s.normalized.info.timing, s.probabilities.info.timing, s.segmentation.info.timing, s.measurements.timing, s.scores?.timing].filter(
      (t): t is StageTiming => t !== undefined,
    );
  }

  mimeBundle(): MimeBundle {
    const rows = this.timings().map((t) => ({ stage: t.stage, ms: Math.round(t.ms) }));
    const overlay = this.stages.segmentation.mimeBundle()['image/png'];
    const scores = this.stages.scores ? `<p>${escapeHtml(this.stages.scores.summary())}</p>` : '';
    return {
      'text/html':
        `<p>${escapeHtml(this.summary())}</p>${scores}` +
        htmlTable(rows, { caption: 'time per stage' }) +
        (typeof overlay === 'string' ? `<img src="data:image/png;base64,${overlay}" style="max-width:100%"/>` : ''),
      'image/png': overlay ?? '',
      'text/plain': this.summary(),
    };
  }

  summary(): string {
    const total = this.timings().reduce((s, t) => s + t.ms, 0);
    return `pipeline on ${this.stages.picture.info.name}: ${this.stages.segmentation.count} nuclei, ${formatMs(total)} in ${this.timings().length} stages`;
  }
}
