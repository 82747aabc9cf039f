/**
 * Scoring many images at once: threshold sweeps and per-organ tables. These loops call the
 * pipeline's post-processing and evaluation directly (no picture rendering per step), so a
 * sweep costs what post-processing costs.
 */
import { evaluate as evaluateLabels, postprocess as postprocessMaps, type EvaluationScores } from '@nucleilens/pipeline';
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { htmlTable, textTable, type TableRow } from '../render/html-table.js';
import { lineChart, type Figure } from '../views/figure.js';
import type { Probabilities } from '../views/probabilities.js';
import type { Segmentation } from '../views/segmentation.js';
import { formatMs } from './stage-run.js';
import { resolveChoice, type PostprocessChoice } from './params-choice.js';

/** One image to score: its maps and its ground truth. */
export interface ScoreCase {
  readonly name: string;
  readonly organ: string;
  readonly probabilities: Probabilities;
  readonly groundTruth: Segmentation;
}

/** Scores of one image. */
export interface CaseScores extends EvaluationScores {
  readonly name: string;
  readonly organ: string;
}

/**
 * Post-processes and scores every case with the same parameters choice.
 * @example
 * const rows = scoreCases(cases, { recipe: 'paper' });
 */
export function scoreCases(cases: readonly ScoreCase[], choice: PostprocessChoice = {}): CaseScores[] {
  return cases.map((c) => {
    const labels = postprocessMaps(c.probabilities.mask, c.probabilities.marker, resolveChoice(c.probabilities, choice));
    return { name: c.name, organ: c.organ, ...evaluateLabels(c.groundTruth.labels, labels) };
  });
}

/**
 * Mean AJI (and Dice, PQ) per organ, then over all images, one row each.
 * @example
 * table(organMeans(scoreCases(cases)));
 */
export function organMeans(rows: readonly CaseScores[]): TableRow[] {
  const organs = [...new Set(rows.map((r) => r.organ))].sort();
  const mean = (xs: readonly CaseScores[], k: 'aji' | 'dice' | 'pq') => xs.reduce((s, r) => s + r[k], 0) / xs.length;
  const row = (organ: string, xs: readonly CaseScores[]): TableRow => ({ organ, images: xs.length, aji: mean(xs, 'aji'), dice: mean(xs, 'dice'), pq: mean(xs, 'pq') });
  return [...organs.map((o) => row(o, rows.filter((r) => r.organ === o))), row('mean (all images)', rows)];
}

/** Which thresholds a sweep moves. */
export type SweepAxis = 'both' | 'mask' | 'marker';

/** One point of a sweep. */
export interface SweepPoint {
  readonly threshold: number;
  readonly meanAji: number;
  readonly meanDice: number;
  readonly meanPq: number;
}

/** A finished sweep: a curve of mean AJI against threshold, and its table. */
export class SweepResult extends RichValue {
  constructor(
    readonly points: readonly SweepPoint[],
    readonly axis: SweepAxis,
    readonly label: string,
    readonly ms: number,
  ) {
    super();
  }

  /** The point with the highest mean AJI. */
  best(): SweepPoint {
    return this.points.reduce((a, b) => (b.meanAji > a.meanAji ? b : a));
  }

  /** Mean AJI, Dice and PQ against the threshold. */
  figure(): Figure {
    const x = this.points.map((p) => p.threshold);
    return lineChart(
      [
        { name: 'mean AJI', x, y: this.points.map((p) => p.meanAji) },
        { name: 'mean Dice', x, y: this.points.map((p) => p.meanDice) },
        { name: 'mean PQ', x, y: this.points.map((p) => p.meanPq) },
      ],
      { title: `${this.label}: ${this.axis === 'both' ? 'mask and marker' : this.axis} threshold sweep`, xTitle: 'threshold', yTitle: 'score' },
    );
  }

  mimeBundle(): MimeBundle {
    const fig = this.figure().mimeBundle();
    const rows = this.points.map((p) => ({ ...p }));
    return {
      ...fig,
      'text/html': `${String(fig['text/html'])}${htmlTable(rows, { caption: this.summary() })}`,
      'text/plain': `${this.summary()}\n${textTable(rows)}`,
    };
  }

  summary(): string {
    const b = this.best();
    return `${this.label}: best mean AJI ${b.meanAji.toFixed(4)} at threshold ${b.threshold} (${this.points.length} points, ${formatMs(this.ms)})`;
  }
}

/**
 * Sweeps the mask threshold, the marker threshold, or both together over `thresholds`,
 * scoring every case at each value.
 * @param choice the recipe and other numbers held fixed
 * @example
 * const sweep = thresholdSweep(cases, [0.1, 0.3, 0.5], 'both', { recipe: 'paper' }, 'reference maps');
 */
export function thresholdSweep(
  cases: readonly ScoreCase[],
  thresholds: readonly number[],
  axis: SweepAxis = 'both',
  choice: PostprocessChoice = {},
  label = 'sweep',
): SweepResult {
  const t0 = performance.now();
  const points = thresholds.map((t) => {
    const moved: PostprocessChoice = {
      ...choice,
      ...(axis !== 'marker' ? { maskThreshold: t } : {}),
      ...(axis !== 'mask' ? { markerThreshold: t } : {}),
    };
    const rows = scoreCases(cases, moved);
    const mean = (k: 'aji' | 'dice' | 'pq') => rows.reduce((s, r) => s + r[k], 0) / rows.length;
    return { threshold: t, meanAji: mean('aji'), meanDice: mean('dice'), meanPq: mean('pq') };
  });
  return new SweepResult(points, axis, label, performance.now() - t0);
}
