/** Per-nucleus measurements: an HTML summary and table, histograms and scatter plots. */
import type { NucleusInstance } from '@nucleilens/pipeline';
import { toCsv, InvalidArgumentError } from '@nucleilens/pipeline';
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { escapeHtml, htmlTable, textTable, type TableRow } from '../render/html-table.js';
import { formatMs, type StageTiming } from '../stages/stage-run.js';
import { histogram, scatter, type Figure } from './figure.js';
import type { Segmentation } from './segmentation.js';

/** Numeric columns a cell can plot, read from each {@link NucleusInstance}. */
export const MEASURE_COLUMNS = {
  area: (n: NucleusInstance) => n.area,
  areaUm2: (n: NucleusInstance) => n.areaUm2,
  perimeter: (n: NucleusInstance) => n.perimeter,
  perimeterUm: (n: NucleusInstance) => n.perimeterUm,
  equivalentDiameter: (n: NucleusInstance) => n.equivalentDiameter,
  equivalentDiameterUm: (n: NucleusInstance) => n.equivalentDiameterUm,
  eccentricity: (n: NucleusInstance) => n.eccentricity,
  solidity: (n: NucleusInstance) => n.solidity,
  orientation: (n: NucleusInstance) => n.orientation,
  meanHematoxylin: (n: NucleusInstance) => n.meanHematoxylin,
} as const satisfies Record<string, (n: NucleusInstance) => number | undefined>;

/** A column name of {@link MEASURE_COLUMNS}. */
export type MeasureColumn = keyof typeof MEASURE_COLUMNS;

const LABELS: Record<MeasureColumn, string> = {
  area: 'area (px²)',
  areaUm2: 'area (µm²)',
  perimeter: 'perimeter (px)',
  perimeterUm: 'perimeter (µm)',
  equivalentDiameter: 'equivalent diameter (px)',
  equivalentDiameterUm: 'equivalent diameter (µm)',
  eccentricity: 'eccentricity',
  solidity: 'solidity',
  orientation: 'orientation (rad)',
  meanHematoxylin: 'mean hematoxylin (OD)',
};

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  return n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Rows shown in the cell output. */
const SHOWN_ROWS = 12;

/** The nuclei of one segmentation and their measurements. */
export class Measurements extends RichValue {
  constructor(
    readonly nuclei: readonly NucleusInstance[],
    readonly segmentation: Segmentation | undefined,
    readonly timing?: StageTiming,
  ) {
    super();
  }

  /** The finite values of a column (columns a nucleus lacks, e.g. µm without µm/px, are skipped). */
  values(column: MeasureColumn): number[] {
    const get = MEASURE_COLUMNS[column];
    if (!get) throw new InvalidArgumentError(`unknown measurement column "${String(column)}" (use ${Object.keys(MEASURE_COLUMNS).join(', ')})`);
    return this.nuclei.map(get).filter((v): v is number => v !== undefined && Number.isFinite(v));
  }

  /** The columns every nucleus has a value for. */
  columns(): MeasureColumn[] {
    return (Object.keys(MEASURE_COLUMNS) as MeasureColumn[]).filter((c) => this.nuclei.length > 0 && this.values(c).length === this.nuclei.length);
  }

  private label(column: MeasureColumn): string {
    return LABELS[column];
  }

  /**
   * Histogram of one column.
   * @example
   * m.histogram('areaUm2');
   */
  histogram(column: MeasureColumn, bins = 30): Figure {
    return histogram(this.values(column), { title: `${this.label(column)}, ${this.nuclei.length} nuclei`, xTitle: this.label(column), bins });
  }

  /**
   * Scatter of two columns (default area against eccentricity, in µm² when known).
   * @example
   * m.scatter('areaUm2', 'eccentricity');
   */
  scatter(x?: MeasureColumn, y: MeasureColumn = 'eccentricity'): Figure {
    const xc = x ?? (this.columns().includes('areaUm2') ? 'areaUm2' : 'area');
    const both = this.nuclei.filter((n) => MEASURE_COLUMNS[xc](n) !== undefined && MEASURE_COLUMNS[y](n) !== undefined);
    return scatter(
      both.map((n) => MEASURE_COLUMNS[xc](n) as number),
      both.map((n) => MEASURE_COLUMNS[y](n) as number),
      { title: `${this.label(xc)} vs ${this.label(y)}`, xTitle: this.label(xc), yTitle: this.label(y), text: both.map((n) => `#${n.id}`) },
    );
  }

  /** Count, mean, median, min and max of every column. */
  statistics(): TableRow[] {
    return this.columns().map((c) => {
      const v = this.values(c).sort((a, b) => a - b);
      return { measurement: this.label(c), mean: v.reduce((s, x) => s + x, 0) / v.length, median: median(v), min: v[0], max: v[v.length - 1] };
    });
  }

  /** One row per nucleus: id, centroid and every column. */
  rows(): TableRow[] {
    const cols = this.columns();
    return this.nuclei.map((n) => {
      const row: Record<string, number | undefined> = { id: n.id, x: n.centroid.x, y: n.centroid.y };
      for (const c of cols) row[this.label(c)] = MEASURE_COLUMNS[c](n);
      return row;
    });
  }

  /** The measurements as CSV text (the pipeline's export). */
  toCsv(): string {
    return toCsv(this.nuclei);
  }

  mimeBundle(): MimeBundle {
    const stats = this.statistics();
    const rows = this.rows().slice(0, SHOWN_ROWS);
    const more = this.nuclei.length > SHOWN_ROWS ? `<p>first ${SHOWN_ROWS} of ${this.nuclei.length} rows; <code>.rows()</code> has all, <code>.toCsv()</code> exports them</p>` : '';
    return {
      'text/html':
        `<p>${escapeHtml(this.summary())}</p>` +
        htmlTable(stats, { caption: 'summary' }) +
        htmlTable(rows, { caption: 'nuclei' }) +
        more,
      'text/plain': `${this.summary()}\n${textTable(stats)}`,
    };
  }

  summary(): string {
    const t = this.timing ? ` (${this.timing.stage} ${formatMs(this.timing.ms)})` : '';
    return `${this.nuclei.length} nuclei measured${t}`;
  }
}
