/** Scores of a segmentation against ground truth, as a table. */
import type { EvaluationScores } from '@nucleilens/pipeline';
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { htmlTable, textTable, type TableRow } from '../render/html-table.js';
import { formatMs, type StageTiming } from '../stages/stage-run.js';

/** Evaluation of one image. */
export class Scores extends RichValue {
  constructor(
    readonly scores: EvaluationScores,
    readonly name: string,
    readonly timing?: StageTiming,
  ) {
    super();
  }

  /** The scores as one table row, led by the image name. */
  row(): TableRow {
    return { image: this.name, ...this.scores };
  }

  mimeBundle(): MimeBundle {
    return { 'text/html': htmlTable([this.row()], { caption: this.summary() }), 'text/plain': `${this.summary()}\n${textTable([this.row()])}` };
  }

  summary(): string {
    const t = this.timing ? ` (${this.timing.stage} ${formatMs(this.timing.ms)})` : '';
    return `${this.name}: AJI ${this.scores.aji.toFixed(4)}, Dice ${this.scores.dice.toFixed(4)}, PQ ${this.scores.pq.toFixed(4)}${t}`;
  }
}
