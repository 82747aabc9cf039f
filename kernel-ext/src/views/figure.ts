/**
 * plotly.js figures: histograms, scatter plots and line charts built from numbers in the
 * kernel. Each displays as Jupyter's plotly MIME type with an HTML fallback (see
 * render/plotly-html.ts). Histograms are binned here into bar traces, so the small
 * plotly.js bundle draws them.
 */
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { plotlyHtml } from '../render/plotly-html.js';
import { InvalidArgumentError, equalBins } from '@nucleilens/pipeline';

/** The MIME type Jupyter's plotly renderers read. */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** A plotly trace (the subset this module writes; plotly accepts many more keys). */
export interface PlotlyTrace {
  readonly type: 'scatter' | 'bar';
  readonly x: readonly (number | string)[];
  readonly y: readonly number[];
  readonly name?: string;
  readonly mode?: 'lines' | 'markers' | 'lines+markers';
  readonly text?: readonly string[];
  readonly marker?: Readonly<Record<string, unknown>>;
  readonly line?: Readonly<Record<string, unknown>>;
  readonly width?: readonly number[];
}

/** Axis titles and figure title. */
export interface FigureLabels {
  readonly title?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
}

/** A plotly figure value. */
export class Figure extends RichValue {
  private html: string | undefined;

  constructor(
    readonly data: readonly PlotlyTrace[],
    readonly layout: Readonly<Record<string, unknown>>,
  ) {
    super();
  }

  mimeBundle(): MimeBundle {
    // The HTML is made on first display: only the session's first shown figure carries plotly.js.
    this.html ??= plotlyHtml({ data: this.data, layout: this.layout });
    return {
      [PLOTLY_MIME]: { data: this.data, layout: this.layout },
      'text/html': this.html,
      'text/plain': this.summary(),
    };
  }

  summary(): string {
    const title = (this.layout.title as { text?: string } | undefined)?.text;
    return `Figure${title ? ` "${title}"` : ''}: ${this.data.length} trace(s)`;
  }
}

function layoutOf(labels: FigureLabels, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: labels.title ?? '' },
    xaxis: { title: { text: labels.xTitle ?? '' } },
    yaxis: { title: { text: labels.yTitle ?? '' } },
    margin: { l: 60, r: 20, t: 50, b: 50 },
    ...extra,
  };
}

/**
 * A histogram of `values` in `bins` equal bins between their minimum and maximum.
 * @throws {InvalidArgumentError} when no value is finite or bins < 1.
 * @example
 * histogram(nuclei.map((n) => n.area), { title: 'Nucleus area', xTitle: 'px²' });
 */
export function histogram(values: readonly number[], labels: FigureLabels & { bins?: number } = {}): Figure {
  const { lo, width, counts } = equalBins(values, labels.bins ?? 30);
  // equalBins gives no counts when no value is finite.
  if (counts.length === 0) throw new InvalidArgumentError('histogram needs at least one finite value');
  const centres = counts.map((_, i) => lo + (i + 0.5) * width);
  return new Figure(
    [{ type: 'bar', x: centres, y: counts, width: counts.map(() => width), name: 'count' }],
    layoutOf({ yTitle: 'count', ...labels }, { bargap: 0.02 }),
  );
}

/**
 * A scatter plot of paired values (pairs with a non-finite member are dropped).
 * @throws {InvalidArgumentError} when the lengths differ.
 * @example
 * scatter(areas, eccentricities, { xTitle: 'area (µm²)', yTitle: 'eccentricity' });
 */
export function scatter(x: readonly number[], y: readonly number[], labels: FigureLabels & { text?: readonly string[] } = {}): Figure {
  if (x.length !== y.length) throw new InvalidArgumentError(`scatter needs as many x as y values, got ${x.length} and ${y.length}`);
  const keep = x.map((_, i) => i).filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  const trace: PlotlyTrace = {
    type: 'scatter',
    mode: 'markers',
    x: keep.map((i) => x[i]),
    y: keep.map((i) => y[i]),
    marker: { size: 5, opacity: 0.6 },
    ...(labels.text ? { text: keep.map((i) => labels.text?.[i] ?? '') } : {}),
  };
  return new Figure([trace], layoutOf(labels));
}

/** One named curve of {@link lineChart}. */
export interface Series {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/**
 * Curves with markers on a shared x axis, e.g. AJI against threshold.
 * @example
 * lineChart([{ name: 'mean AJI', x: [0.1, 0.2], y: [0.6, 0.62] }], { xTitle: 'threshold' });
 */
export function lineChart(series: readonly Series[], labels: FigureLabels = {}): Figure {
  return new Figure(
    series.map((s) => ({ type: 'scatter', mode: 'lines+markers', name: s.name, x: s.x, y: s.y })),
    layoutOf(labels),
  );
}

/**
 * Grouped bars: one trace per series over shared categories, e.g. AJI per organ per method.
 * @throws {InvalidArgumentError} when a series' length differs from the categories'.
 * @example
 * barChart(['Kidney', 'Lung'], [{ name: 'model', y: [0.6, 0.55] }], { yTitle: 'AJI' });
 */
export function barChart(categories: readonly string[], series: readonly { name: string; y: readonly number[] }[], labels: FigureLabels = {}): Figure {
  for (const s of series) {
    if (s.y.length !== categories.length) throw new InvalidArgumentError(`series ${s.name} has ${s.y.length} values for ${categories.length} categories`);
  }
  return new Figure(
    series.map((s) => ({ type: 'bar', name: s.name, x: categories, y: s.y })),
    layoutOf(labels, { barmode: 'group' }),
  );
}
