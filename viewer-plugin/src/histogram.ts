/**
 * The histogram of a measurement over the nuclei in view, drawn with plotly.js. plotly.js
 * (plotly.js-dist-min, about 4.7 MB) is loaded once per page, on first use, from a script
 * URL; a page that already has `window.Plotly` loads nothing.
 */
import { equalBins } from '@nucleilens/pipeline/measure';

/** The few plotly.js calls the histogram makes. */
interface PlotlyLike {
  react(root: HTMLElement, data: object[], layout: object, config: object): Promise<unknown>;
  purge(root: HTMLElement): void;
}

let plotlyPromise: Promise<PlotlyLike> | undefined;

/**
 * `window.Plotly`, loading `url` with a script tag the first time (later calls share the
 * same load, whatever URL they pass).
 * @throws {Error} (as a rejection) when the script cannot be loaded or defines no Plotly.
 */
export function loadPlotly(url: string): Promise<PlotlyLike> {
  const existing = (globalThis as { Plotly?: PlotlyLike }).Plotly;
  if (existing) return Promise.resolve(existing);
  plotlyPromise ??= new Promise<PlotlyLike>((resolve, reject) => {
    const s = document.createElement('script');
    s.src = url;
    s.async = true;
    s.onload = () => {
      const p = (globalThis as { Plotly?: PlotlyLike }).Plotly;
      if (p) resolve(p);
      else reject(new Error(`${url} loaded but defined no Plotly`));
    };
    s.onerror = () => {
      plotlyPromise = undefined;
      reject(new Error(`cannot load plotly.js from ${url}`));
    };
    document.head.appendChild(s);
  });
  return plotlyPromise;
}

/**
 * Least time between two plotly draws. A draw costs the main thread 20-40 ms (layout and
 * SVG); while a slider moves, tile results arrive every few milliseconds and drawing each
 * would delay the outlines themselves. The newest values are always drawn last.
 */
const MIN_DRAW_INTERVAL_MS = 250;

/**
 * Least time between two draws while held ({@link MeasurementHistogram.hold}): tuning
 * workers need both cores of a small machine, and a draw in the middle of their sweep
 * delayed the outlines by as much as the draw took. A long drag still sees it follow.
 */
const HELD_DRAW_INTERVAL_MS = 1000;

const HISTOGRAM_BINS = 30;

/**
 * The bars, binned here (one pass over the values, the notebooks' binning) rather than by
 * plotly's histogram trace, whose binning and autobinning run again on every redraw.
 */
function histogramTrace(values: readonly number[]): object {
  const { lo, width, counts } = equalBins(values, HISTOGRAM_BINS);
  const edge = (i: number) => +(lo + i * width).toPrecision(4);
  return {
    type: 'bar',
    x: counts.map((_, i) => lo + (i + 0.5) * width),
    y: counts,
    customdata: counts.map((_, i) => `${edge(i)}–${edge(i + 1)}`),
    marker: { color: '#3b528b' },
    hovertemplate: '%{customdata}: %{y}<extra></extra>',
  };
}

/**
 * Margins fixed from what the axes will hold, instead of plotly's automargin, which lays the
 * plot out twice per draw (6 of 15 ms of a draw's script in chromium, 1,500 nuclei): the
 * y tick labels are counts, so their width follows the digits of the number of values (an
 * upper bound on any bin's count); the x ticks and title take one line each at 11 px.
 */
function histogramMargin(valueCount: number): { l: number; r: number; t: number; b: number } {
  const digits = String(Math.max(valueCount, 1)).length;
  return { l: 22 + 7 * digits, r: 8, t: 8, b: 36 };
}

/**
 * A histogram in a container element, redrawn at most every {@link MIN_DRAW_INTERVAL_MS}
 * (every {@link HELD_DRAW_INTERVAL_MS} while held).
 */
export class MeasurementHistogram {
  private plotly: PlotlyLike | undefined;
  private pending: { values: number[]; title: string } | undefined;
  private frame = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDraw = -Infinity;
  private drawing = false;
  private held = false;

  /**
   * @param root element the plot fills
   * @param plotlyUrl where to load plotly.js from
   * @param onError called once when plotly.js cannot be loaded
   */
  private loading = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly plotlyUrl: string,
    private readonly onError: (e: Error) => void,
  ) {}

  /**
   * Shows `values` (one per nucleus) under the axis title `title`. plotly.js is loaded on
   * the first call with values, so a page that never reaches nucleus level never loads it.
   */
  show(values: number[], title: string): void {
    this.pending = { values, title };
    if (!this.plotly && !this.loading && values.length > 0) {
      this.loading = true;
      loadPlotly(this.plotlyUrl).then(
        (p) => {
          this.plotly = p;
          this.schedule();
        },
        (e: Error) => {
          this.loading = false;
          this.onError(e);
        },
      );
    }
    this.schedule();
  }

  /**
   * Holds draws back while other work should have the CPU (the overlay holds them while
   * tuning workers sweep the view). On release the newest values draw a frame later, so
   * the frame that shows the finished outlines does not also carry plotly's layout.
   */
  hold(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    if (held) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.frame || this.timer !== undefined || !this.plotly || !this.pending) return;
    const interval = this.held ? HELD_DRAW_INTERVAL_MS : MIN_DRAW_INTERVAL_MS;
    const wait = this.lastDraw + interval - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      void this.draw();
    });
  }

  private async draw(): Promise<void> {
    const plotly = this.plotly;
    const next = this.pending;
    if (!plotly || !next || this.drawing) return;
    this.pending = undefined;
    this.drawing = true;
    this.lastDraw = performance.now();
    try {
      await plotly.react(
        this.root,
        [histogramTrace(next.values)],
        {
          margin: histogramMargin(next.values.length),
          height: this.root.clientHeight || 160,
          xaxis: { title: { text: next.title }, automargin: false },
          yaxis: { title: { text: 'nuclei' }, automargin: false },
          bargap: 0.05,
          paper_bgcolor: 'rgba(0,0,0,0)',
          plot_bgcolor: 'rgba(0,0,0,0)',
          font: { size: 11 },
        },
        { displayModeBar: false, responsive: true },
      );
    } finally {
      this.drawing = false;
      if (this.pending) this.schedule();
    }
  }

  /** Frees plotly's resources. */
  destroy(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.plotly?.purge(this.root);
  }
}
