/**
 * The nuclei overlay on an OpenSeadragon viewer: server overlay tiles at mid zoom, vector
 * outlines from `/nuclei` at high zoom, hover measurements, selection and GeoJSON export,
 * and live threshold tuning in a Web Worker on cached probability tiles.
 */
import OpenSeadragon from 'openseadragon';
import { NucleiApi, NucleiServerError } from './api-client.js';
import { cellAt, cellsMeeting, computeGrid, rectHoldsPoint, type ComputeCell, type ComputeGrid as CellGrid } from '@nucleilens/pipeline/grid';
import { cellKey, parseCellKey, snapRect } from './core/compute-grid.js';
import {
  modelDefaultParams,
  paramsKey,
  paramsToQuery,
  withField,
  type PostprocessParams,
  type TunableField,
} from './core/tuning-params.js';
import { recordFromFeature, recordsFromPacked, type NucleusRecord, type PackedNuclei } from './core/nucleus-record.js';
import { SpatialIndex } from './core/spatial-index.js';
import { COLOR_BY_MEASUREMENT, measurementDomain, type ColorBy, type RampDomain } from './core/color-scale.js';
import { figuresShowing, type PreviewFigures } from './core/tile-nuclei.js';
import type { ComputeGrid, NucleusFeatureCollection, Rect, SlideInfo } from './core/server-types.js';
import { NUCLEI_EVENTS, type NucleiErrorEvent, type NucleiErrorSource, type OverlayMode } from './events.js';
import { resolveOverlayOptions, type NucleiOverlayOptions, type ResolvedOverlayOptions } from './overlay-options.js';
import { HISTOGRAM_MEASUREMENTS, NucleiPanel, type DrawStyle } from './panel.js';
import { VectorLayer, type ImageToScreen } from './vector-layer.js';
import { NucleusTooltip } from './tooltip.js';
import { MeasurementHistogram } from './histogram.js';
import { renderLegend } from './legend.js';
import { injectOverlayStyles } from './panel-styles.js';
import { TuningPool } from './tuning-pool.js';
import type { CutUse } from './worker/protocol.js';
import type { NucleusFeature } from './core/server-types.js';

/** Nuclei shown for one compute tile, and where they came from. */
interface ShownCell {
  readonly records: NucleusRecord[];
  readonly paramsKey: string;
  readonly source: 'server' | 'preview';
}

/** A snapshot of the overlay for pages, tests and benchmarks. */
export interface NucleiOverlayState {
  readonly mode: OverlayMode;
  readonly ready: boolean;
  /** Nuclei whose centroid lies in `rect`; undefined outside vector mode. */
  readonly count: number | undefined;
  readonly rect: Rect;
  readonly params: PostprocessParams;
  /** Parameters of the live preview while a slider moves. */
  readonly previewParams: PostprocessParams | undefined;
  readonly pending: number;
  /** Compute tiles whose probabilities the workers hold. */
  readonly probsCells: number;
  /** Compute tiles whose core meets the view (vector mode), and how many of them the workers hold. */
  readonly viewCells: number;
  readonly viewCellsWithProbs: number;
  readonly selected: readonly string[];
  /** Worker milliseconds of the last preview (first tile sent to last tile back). */
  readonly lastWorkerMs: number | undefined;
  /**
   * The newest preview's tiles so far by how each came by its marker cut: reused (kept from
   * an earlier step or computed ahead, no watershed run) or computed for it. Both 0 for a
   * recipe without a cut; undefined before the first preview.
   */
  readonly lastPreviewCuts: { readonly gen: number; readonly reused: number; readonly computed: number } | undefined;
  /**
   * The workers are computing the next slider step's marker cuts (after a one-step marker
   * change): background work that {@link NucleiOverlay.whenIdle} does not wait for.
   */
  readonly cuttingAhead: boolean;
  /** Milliseconds of the last frame's canvas drawing. */
  readonly lastDrawMs: number;
  /** Milliseconds of the last scene rebuild on the main thread (paths, index, legend, count, frame). */
  readonly lastSceneMs: number;
}

/** Server results kept per (parameters, compute tile); older entries are dropped first. */
const SERVER_CACHE_CELLS = 512;

/**
 * How long a slider step's results may wait to be drawn together (see previewTile): the
 * frame-time target. A step whose tiles all arrive within it is drawn once, when the
 * workers finish; a longer one shows what is ready at that point, then again every as long.
 */
const PREVIEW_FRAME_MS = 50;

/**
 * How long a slider step's local re-run must last before the panel shows it as progress. A
 * step usually ends within a frame or two: showing the bar and the status line for it made
 * the panel flash, its live region announce every step to screen readers, and the page
 * relayout and repaint the panel twice per step, on the cores the tuning workers need
 * (measured: about 6 ms of CPU per step for the whole panel). The progress event is raised
 * at once, whatever the delay.
 */
const PREVIEW_PROGRESS_DELAY_MS = 300;

/** Fetches cancelled because their answer is no longer wanted. */
function isAbort(e: unknown): boolean {
  return (e as { name?: string })?.name === 'AbortError';
}

/** The overlay. Create with {@link createNucleiOverlay} or `viewer.nucleiOverlay(options)`. */
export class NucleiOverlay {
  readonly api: NucleiApi;
  private readonly o: ResolvedOverlayOptions;
  private params: PostprocessParams;
  private defaults: PostprocessParams;
  private preview: PostprocessParams | undefined;
  private opacity: number;
  private drawStyle: DrawStyle;
  private colorBy: ColorBy;
  private histogramMeasurement: string;
  private slide: SlideInfo | undefined;
  private grid: ComputeGrid | undefined;
  /** The same grid as the pipeline's geometry (cells, regions, ownership). */
  private cells: CellGrid | undefined;
  private mode: OverlayMode = 'off';
  private readonly serverCache = new Map<string, NucleusRecord[]>();
  private readonly inflight = new Set<string>();
  private fetchAbort = new AbortController();
  private readonly shown = new Map<string, ShownCell>();
  private readonly probsCells = new Set<string>();
  private readonly probsInflight = new Set<string>();
  private records: NucleusRecord[] = [];
  private index: SpatialIndex | undefined;
  private readonly dirtyCells = new Set<string>();
  private sceneAll = true;
  private domain: RampDomain | undefined;
  private readonly selection = new Map<string, NucleusRecord>();
  private hovered: NucleusRecord | null = null;
  private pending = new Map<string, number>();
  /** Whether the current preview re-run has lasted long enough to show, and the timer that says so. */
  private previewProgressDue = false;
  private previewProgressTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private sceneFrame = 0;
  /**
   * When preview results not yet drawn must be drawn even though the workers go on: a
   * slider step's start (or the last frame) plus PREVIEW_FRAME_MS; and the timer that does it.
   */
  private previewFrameDue = 0;
  private previewFrameTimer: ReturnType<typeof setTimeout> | undefined;
  /** Dirty tiles whose paths are already built for the current colouring. */
  private readonly pathsBuilt = new Set<string>();
  private lastWorkerMs: number | undefined;
  private lastPreviewCuts: { gen: number; reused: number; computed: number } | undefined;
  private lastDrawMs = 0;
  private lastSceneMs = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly layer: VectorLayer;
  private readonly tooltip: NucleusTooltip;
  private readonly panel: NucleiPanel | undefined;
  private readonly histogram: MeasurementHistogram | undefined;
  private readonly tracker: OpenSeadragon.MouseTracker;
  private tuner: TuningPool | undefined;
  /** Parameters of each compute generation sent to the pool (recent ones only). */
  private readonly genParams = new Map<number, PostprocessParams>();
  /** Newest generation shown per tile, so late results of older ones never replace newer. */
  private readonly tileGen = new Map<string, number>();
  private overlayItem: OpenSeadragon.TiledImage | undefined;
  private overlayQuery = '';
  private destroyed = false;
  private errorSource: NucleiErrorSource | undefined;
  private readonly handlers: [keyof OpenSeadragon.ViewerEventMap, (e: never) => void][] = [];

  /**
   * @param viewer a viewer that has opened (or will open) the slide's DeepZoom/IIIF source
   * @throws {TypeError} for invalid options.
   */
  constructor(
    readonly viewer: OpenSeadragon.Viewer,
    options: NucleiOverlayOptions,
  ) {
    this.o = resolveOverlayOptions(options);
    this.params = this.o.params;
    this.defaults = this.o.params;
    this.opacity = this.o.opacity;
    this.drawStyle = this.o.style;
    this.colorBy = this.o.colorBy;
    this.histogramMeasurement = this.o.histogramMeasurement;
    this.api = new NucleiApi(this.o.server, this.o.slide, this.o.fetch);
    injectOverlayStyles(document);

    this.layer = new VectorLayer(viewer.canvas);
    this.tooltip = new NucleusTooltip(viewer.canvas);
    if (this.o.panel !== false) {
      const floating = this.o.panel === undefined;
      const host = this.o.panel ?? viewer.element;
      if (floating && getComputedStyle(host).position === 'static') host.style.position = 'relative';
      this.panel = new NucleiPanel(
        host,
        floating,
        this.params,
        {
          opacity: this.opacity,
          style: this.drawStyle,
          colorBy: this.colorBy,
          histogramMeasurement: this.histogramMeasurement,
          histogram: this.o.plotlyUrl !== false,
        },
        {
          sliderInput: (f, v) => this.previewField(f, v),
          sliderCommit: (f, v) => this.setParams(withField(this.preview ?? this.params, f, v)),
          reset: () => this.setParams(this.defaults),
          opacity: (v) => this.setDisplay({ opacity: v }),
          drawStyle: (s) => this.setDisplay({ style: s }),
          colorBy: (c) => this.setDisplay({ colorBy: c }),
          histogramMeasurement: (m) => {
            this.histogramMeasurement = m;
            // A preview measured only what was shown: measure the new figure too.
            if (this.preview) this.previewParams(this.preview);
            this.updateStats('server');
          },
          download: () => this.downloadSelection(),
          clearSelection: () => this.clearSelection(),
        },
      );
      if (floating) {
        // The panel sits over the viewer: keep its pointer, wheel and key events from panning the slide.
        for (const type of ['pointerdown', 'wheel', 'keydown', 'dblclick'] as const) {
          this.panel.element.addEventListener(type, (e) => e.stopPropagation());
        }
      }
      if (this.panel.histogram && this.o.plotlyUrl !== false) {
        this.histogram = new MeasurementHistogram(this.panel.histogram, this.o.plotlyUrl, (e) =>
          this.report('plotly', { code: 'PLOTLY', message: e.message }),
        );
      }
      renderLegend(this.panel.legend, this.colorBy, undefined);
    }

    this.tracker = new OpenSeadragon.MouseTracker({
      element: viewer.canvas,
      moveHandler: (e) => this.hover(e.position),
      leaveHandler: () => this.hover(null),
    });
    this.on('update-viewport', () => this.frame());
    this.on('animation-finish', () => this.scheduleRefresh());
    this.on('resize', () => this.scheduleRefresh());
    this.on('canvas-click', (e: OpenSeadragon.CanvasClickEvent) => this.click(e));
    this.on('tile-load-failed', (e: OpenSeadragon.TileLoadFailedEvent) => {
      if (e.tiledImage && e.tiledImage === this.overlayItem) {
        this.report('overlay-tile', { code: 'TILE', message: `overlay tile failed to load: ${e.message}` });
      }
    });
    // Slide facts are fetched at once (so an unknown slide is reported even when the image
    // cannot open); the layers need the opened TiledImage too.
    this.on('open', () => this.layersReady());
    void this.start();
  }

  private on<K extends keyof OpenSeadragon.ViewerEventMap>(name: K, handler: (e: OpenSeadragon.ViewerEventMap[K]) => void): void {
    this.viewer.addHandler(name, handler);
    this.handlers.push([name, handler as (e: never) => void]);
  }

  /** The slide's TiledImage. */
  private get item(): OpenSeadragon.TiledImage | undefined {
    const w = this.viewer.world;
    return w.getItemCount() > this.o.itemIndex ? w.getItemAt(this.o.itemIndex) : undefined;
  }

  private async start(): Promise<void> {
    this.begin('slide');
    try {
      const [slideAnswer, gridAnswer] = await Promise.allSettled([this.api.slideInfo(), this.api.grid()]);
      if (this.destroyed) return;
      if (slideAnswer.status === 'rejected') throw slideAnswer.reason;
      if (gridAnswer.status === 'rejected') {
        this.fail('grid', gridAnswer.reason);
        return;
      }
      const slide = slideAnswer.value;
      const grid = gridAnswer.value;
      this.cells = computeGrid(slide.width, slide.height, grid.tile, grid.halo);
      const modelDefaults = modelDefaultParams(grid.model);
      if (modelDefaults) {
        this.defaults = modelDefaults;
        if (!this.o.paramsGiven && !this.preview) {
          this.params = modelDefaults;
          this.panel?.setParams(modelDefaults);
        }
      }
      this.slide = slide;
      this.grid = grid;
      try {
        const mpp = slide.mpp ?? grid.mpp ?? undefined;
        this.tuner = new TuningPool(
          this.o.workerUrl,
          { grid: this.cells, idNamespace: slide.id, ...(mpp ? { mpp } : {}) },
          this.o.maxCachedTiles,
          this.o.workers,
          {
            tile: (gen, key, nuclei, _ms, cut) => {
              this.countCut(gen, cut);
              this.previewTile(gen, key, nuclei);
            },
            done: (gen, ms, missing) => {
              for (const k of missing) this.probsCells.delete(k);
              this.lastWorkerMs = ms;
              // Drawn now, not at the next animation frame: the canvas reaches the screen
              // with that frame either way, and the work is done before it. Before the busy
              // flag drops, so idle means drawn.
              if (this.dirtyCells.size > 0) this.drawSceneNow('preview');
              this.setBusy('preview', this.tuner?.busy ?? false);
            },
            warmed: () => this.checkIdle(),
            error: (e) => {
              this.report('worker', { code: e.code, message: e.message });
              if (this.dirtyCells.size > 0) this.scheduleScene('preview');
              this.setBusy('preview', this.tuner?.busy ?? false);
            },
          },
        );
      } catch (e) {
        this.report('worker', { code: 'WORKER', message: `cannot start the tuning worker: ${(e as Error).message}` });
      }
      this.layersReady();
    } catch (e) {
      this.fail('slide', e);
    } finally {
      this.end('slide');
    }
  }

  /** Once both the slide facts and the opened image are there: overlay tiles and the first refresh. */
  private layersReady(): void {
    if (!this.slide || !this.item || this.destroyed) return;
    this.addOverlayItem();
    this.refresh();
  }

  // ---- progress and errors ------------------------------------------------------------

  private begin(what: string): void {
    this.pending.set(what, (this.pending.get(what) ?? 0) + 1);
    this.progressChanged();
  }

  private end(what: string): void {
    const n = (this.pending.get(what) ?? 1) - 1;
    if (n <= 0) this.pending.delete(what);
    else this.pending.set(what, n);
    this.progressChanged();
  }

  private setBusy(what: string, on: boolean): void {
    if (on === this.pending.has(what)) return;
    if (on) this.pending.set(what, 1);
    else this.pending.delete(what);
    if (what === 'preview') {
      this.histogram?.hold(on);
      if (this.previewProgressTimer !== undefined) clearTimeout(this.previewProgressTimer);
      this.previewProgressTimer = undefined;
      this.previewProgressDue = false;
      if (on) {
        // The timer decides, not a clock comparison: a timer may fire a fraction of a
        // millisecond before performance.now() says the delay has passed.
        this.previewProgressTimer = setTimeout(() => {
          this.previewProgressTimer = undefined;
          this.previewProgressDue = true;
          this.progressChanged();
        }, PREVIEW_PROGRESS_DELAY_MS);
      }
    }
    this.progressChanged();
  }

  private progressChanged(): void {
    const n = (k: string) => this.pending.get(k) ?? 0;
    const label = (withPreview: boolean): string => {
      const parts: string[] = [];
      if (n('slide')) parts.push('opening slide');
      if (n('nuclei')) parts.push(`computing nuclei in ${n('nuclei')} region${n('nuclei') > 1 ? 's' : ''}`);
      if (n('probs')) parts.push('loading probability maps');
      if (withPreview && n('preview')) parts.push('re-running post-processing');
      return parts.length ? `${parts.join(', ')}…` : '';
    };
    let total = 0;
    for (const count of this.pending.values()) total += count;
    const previewShown = n('preview') > 0 && this.previewProgressDue;
    this.panel?.setProgress(previewShown ? total : total - n('preview'), label(previewShown));
    this.viewer.raiseEvent(NUCLEI_EVENTS.progress, { pending: total, label: label(true) });
    this.checkIdle();
  }

  private report(source: NucleiErrorSource, e: Omit<NucleiErrorEvent, 'source'>): void {
    if (this.destroyed) return;
    const event: NucleiErrorEvent = { source, ...e };
    this.errorSource = source;
    this.panel?.showError(event.message);
    this.viewer.raiseEvent(NUCLEI_EVENTS.error, event);
  }

  /** A later success of the kind that failed last clears the panel's error (a 503 that passed, say). */
  private recovered(source: NucleiErrorSource): void {
    if (this.errorSource !== source) return;
    this.errorSource = undefined;
    this.panel?.showError(undefined);
  }

  private fail(source: NucleiErrorSource, e: unknown): void {
    if (isAbort(e)) return;
    if (e instanceof NucleiServerError) {
      this.report(source, { status: e.status, code: e.code, message: e.message, url: e.url });
    } else {
      const code = (e as { code?: unknown })?.code;
      this.report(source, { code: typeof code === 'string' ? code : 'CLIENT', message: (e as Error)?.message ?? String(e) });
    }
  }

  // ---- view geometry ------------------------------------------------------------------

  private imageToScreen(): ImageToScreen | null {
    const item = this.item;
    if (!item) return null;
    // Three mapped points fix the affine map, rotation and flip included. A unit step is
    // level-0 px; 1000 px steps keep the differences well above rounding.
    const o = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
    const ux = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(1000, 0));
    const uy = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 1000));
    const a = (ux.x - o.x) / 1000;
    const b = (ux.y - o.y) / 1000;
    const c = (uy.x - o.x) / 1000;
    const d = (uy.y - o.y) / 1000;
    return { a, b, c, d, e: o.x, f: o.y, scale: Math.hypot(a, b) };
  }

  /**
   * The view in level-0 px, whole pixels, clipped to the slide (empty before the slide
   * opens); for a rotated view, the slide-aligned box around it.
   */
  viewRect(): Rect {
    const item = this.item;
    if (!item || !this.slide) return { x: 0, y: 0, width: 0, height: 0 };
    const r = item.viewportToImageRectangle(this.viewer.viewport.getBounds(true).getBoundingBox()).getBoundingBox();
    return snapRect({ x: r.x, y: r.y, width: r.width, height: r.height }, this.slide.width, this.slide.height);
  }

  private computeMode(): OverlayMode {
    const t = this.imageToScreen();
    if (!t || !this.slide) return 'off';
    if (t.scale >= this.o.vectorMinZoom) return 'vector';
    if (t.scale >= this.o.overlayMinZoom) return 'tiles';
    return 'off';
  }

  private viewCells(): ComputeCell[] {
    if (!this.grid || !this.slide) return [];
    if (!this.cells) return [];
    return cellsMeeting(this.cells, this.viewRect());
  }

  // ---- frames -------------------------------------------------------------------------

  /** Draws the scene; `only` (level-0 rectangles) when nothing outside them changed. */
  private frame(only?: readonly Rect[]): void {
    if (this.destroyed) return;
    const mode = this.computeMode();
    if (mode !== this.mode) {
      this.mode = mode;
      this.applyMode();
      this.scheduleRefresh();
      only = undefined;
    }
    this.lastDrawMs = this.layer.draw(this.mode === 'vector' ? this.imageToScreen() : null, this.drawStyle, this.opacity, only);
  }

  private applyMode(): void {
    this.overlayItem?.setOpacity(this.mode === 'tiles' ? this.opacity : 0);
    if (this.mode !== 'vector') {
      this.tooltip.show(null, 0, 0);
      this.hovered = null;
    }
  }

  /** Redraws now (used by benchmarks to time a frame); returns the draw milliseconds. */
  redraw(): number {
    this.frame();
    return this.lastDrawMs;
  }

  // ---- overlay tiles (mid zoom) -------------------------------------------------------

  private addOverlayItem(): void {
    const item = this.item;
    if (!item || !this.slide) return;
    const src = item.source;
    const q = paramsToQuery(this.params);
    q.set('style', this.drawStyle);
    q.set('color', this.colorBy);
    const query = q.toString();
    if (query === this.overlayQuery) return;
    this.overlayQuery = query;
    if (this.overlayItem) this.viewer.world.removeItem(this.overlayItem);
    this.overlayItem = undefined;
    const base = this.api.overlayTilesUrl();
    // Below overlayMinZoom the overlay is hidden; never ask for levels that would make the
    // server segment a whole low-resolution view.
    const minLevel = Math.max(0, src.maxLevel - Math.ceil(Math.log2(1 / this.o.overlayMinZoom)) - 1);
    const tileSource = {
      width: src.dimensions.x,
      height: src.dimensions.y,
      tileSize: src.getTileWidth(src.maxLevel),
      tileOverlap: src.tileOverlap,
      minLevel,
      maxLevel: src.maxLevel,
      getTileUrl: (level: number, x: number, y: number) => `${base}${level}/${x}_${y}.png?${query}`,
    };
    const bounds = item.getBounds();
    this.viewer.addTiledImage({
      tileSource,
      x: bounds.x,
      y: bounds.y,
      width: bounds.width,
      opacity: this.mode === 'tiles' ? this.opacity : 0,
      preload: false,
      success: (e: unknown) => {
        const added = (e as { item: OpenSeadragon.TiledImage }).item;
        if (this.destroyed || query !== this.overlayQuery) this.viewer.world.removeItem(added);
        else {
          this.overlayItem = added;
          this.applyMode();
        }
      },
      error: (e: unknown) => this.report('overlay-tile', { code: 'TILE', message: `cannot add the overlay layer: ${String((e as Error)?.message ?? e)}` }),
    });
  }

  // ---- nuclei (high zoom) -------------------------------------------------------------

  private scheduleRefresh(): void {
    if (this.refreshTimer !== undefined || this.destroyed) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, 60);
  }

  /** Fetches what the current view needs and updates the count. Never runs while a slider previews. */
  private refresh(): void {
    if (this.destroyed || !this.slide || !this.grid) {
      this.checkIdle();
      return;
    }
    this.mode = this.computeMode();
    this.applyMode();
    if (this.preview) {
      // This timer may have been the last thing an idle waiter was waiting for.
      this.checkIdle();
      return;
    }
    if (this.mode !== 'vector') {
      this.updateStats('server');
      this.checkIdle();
      return;
    }
    const cells = this.viewCells();
    if (cells.length > this.o.maxCells) {
      this.panel?.setCount(undefined, 'tiles');
      this.checkIdle();
      return;
    }
    const key = paramsKey(this.params);
    const wanted = new Set<string>();
    for (const cell of cells) {
      const k = cellKey(cell.col, cell.row);
      wanted.add(k);
      const cached = this.serverCache.get(`${key}|${k}`);
      if (cached) this.setShown(k, { records: cached, paramsKey: key, source: 'server' });
      else this.fetchCell(cell, key);
    }
    for (const k of [...this.shown.keys()]) if (!wanted.has(k)) this.setShown(k, undefined);
    this.loadProbs(cells);
    this.scheduleScene('server');
    this.checkIdle();
  }

  private fetchCell(cell: ComputeCell, key: string): void {
    const id = `${key}|${cellKey(cell.col, cell.row)}`;
    if (this.inflight.has(id)) return;
    this.inflight.add(id);
    this.begin('nuclei');
    const params = this.params;
    this.api
      .nuclei(cell.core, params, this.fetchAbort.signal)
      .then((fc: NucleusFeatureCollection) => {
        this.recovered('nuclei');
        const records = fc.features.map(recordFromFeature);
        this.serverCache.set(id, records);
        while (this.serverCache.size > SERVER_CACHE_CELLS) this.serverCache.delete(this.serverCache.keys().next().value as string);
        if (!this.preview && paramsKey(this.params) === key && this.mode === 'vector') {
          const k = cellKey(cell.col, cell.row);
          if (this.viewCells().some((c) => c.col === cell.col && c.row === cell.row)) {
            this.setShown(k, { records, paramsKey: key, source: 'server' });
            this.scheduleScene('server');
          }
        }
      })
      .catch((e: unknown) => this.fail('nuclei', e))
      .finally(() => {
        this.inflight.delete(id);
        this.end('nuclei');
      });
  }

  /** Loads the probability tiles of `cells` into the worker, so a slider can move without the network. */
  private loadProbs(cells: readonly ComputeCell[]): void {
    const tuner = this.tuner;
    if (!tuner) return;
    const missing = cells.filter((c) => {
      const k = cellKey(c.col, c.row);
      return !this.probsCells.has(k) && !this.probsInflight.has(k);
    });
    if (missing.length === 0) return;
    const keys = new Set(missing.map((c) => cellKey(c.col, c.row)));
    for (const k of keys) this.probsInflight.add(k);
    const x0 = Math.min(...missing.map((c) => c.core.x));
    const y0 = Math.min(...missing.map((c) => c.core.y));
    const x1 = Math.max(...missing.map((c) => c.core.x + c.core.width));
    const y1 = Math.max(...missing.map((c) => c.core.y + c.core.height));
    this.begin('probs');
    this.api
      .probs({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, this.fetchAbort.signal)
      .then((listing) => {
        // With the committed parameters over the current view: what the first slider step
        // starts from. During a preview the compute already does that work.
        const warm =
          !this.preview && this.grid ? { params: this.params, view: this.viewRect(), halo: this.grid.halo, figures: this.previewFigures() } : undefined;
        return tuner.load(listing.tiles.filter((t) => keys.has(cellKey(t.col, t.row))), warm);
      })
      .then((r) => {
        for (const k of r.loaded) this.probsCells.add(k);
        if (r.failed.length) this.report('probs', { code: r.failed[0].error.code, message: r.failed[0].error.message });
        else this.recovered('probs');
      })
      .catch((e: unknown) => this.fail('probs', e))
      .finally(() => {
        for (const k of keys) this.probsInflight.delete(k);
        this.end('probs');
      });
  }

  // ---- live tuning --------------------------------------------------------------------

  private previewField(field: TunableField, value: number): void {
    this.previewParams(withField(this.preview ?? this.params, field, value));
  }

  /**
   * Shows what `params` would give, computed in the workers on the cached probability tiles
   * of the view (tiles nearest the centre first): no request reaches the server.
   * {@link setParams} commits.
   */
  previewParams(params: PostprocessParams): void {
    this.preview = params;
    const tuner = this.tuner;
    if (!tuner || this.mode !== 'vector' || !this.grid) return;
    const view = this.viewRect();
    const cx = view.x + view.width / 2;
    const cy = view.y + view.height / 2;
    const dist = (c: ComputeCell) => Math.hypot(c.core.x + c.core.width / 2 - cx, c.core.y + c.core.height / 2 - cy);
    const keys = this.viewCells()
      .sort((a, b) => dist(a) - dist(b))
      .map((c) => cellKey(c.col, c.row))
      .filter((k) => this.probsCells.has(k));
    if (keys.length === 0) return;
    // A step that starts while none runs starts the frame clock; during a drag it runs on.
    if (!this.pending.has('preview')) this.previewFrameDue = performance.now() + PREVIEW_FRAME_MS;
    const gen = tuner.compute(params, keys, view, this.grid.halo, this.previewFigures());
    this.genParams.set(gen, params);
    for (const g of this.genParams.keys()) if (g < gen - 64) this.genParams.delete(g);
    this.setBusy('preview', true);
  }

  /**
   * The costly figures a preview measures: those the histogram and the colouring show. A
   * previewed nucleus's tooltip lists what was measured; the server's results for the
   * released slider carry every figure.
   */
  private previewFigures(): PreviewFigures {
    return figuresShowing([
      ...(this.histogram ? [this.histogramMeasurement] : []),
      ...(this.colorBy === 'instance' ? [] : [COLOR_BY_MEASUREMENT[this.colorBy]]),
    ]);
  }

  /** Counts how the newest preview's tiles came by their marker cuts (see {@link NucleiOverlayState.lastPreviewCuts}). */
  private countCut(gen: number, cut: CutUse): void {
    let counts = this.lastPreviewCuts;
    if (counts && gen < counts.gen) return;
    if (!counts || gen > counts.gen) counts = this.lastPreviewCuts = { gen, reused: 0, computed: 0 };
    if (cut !== 'none') counts[cut]++;
  }

  private previewTile(gen: number, key: string, nuclei: PackedNuclei): void {
    const params = this.genParams.get(gen);
    if (!params || this.destroyed || gen < (this.tileGen.get(key) ?? 0)) return;
    const pk = paramsKey(params);
    // After a commit only results for the committed parameters may still show.
    if (!this.preview && pk !== paramsKey(this.params)) return;
    const have = this.shown.get(key);
    if (have && have.source === 'server' && have.paramsKey === pk) return;
    this.tileGen.set(key, gen);
    const records = recordsFromPacked(nuclei);
    this.setShown(key, { records, paramsKey: pk, source: 'preview' });
    // Tiles are drawn together when the sweep ends (the pool's done), or PREVIEW_FRAME_MS
    // after the step began or the last frame, whichever comes first: each frame costs the
    // main thread a commit and a raster besides the paths, time the workers need when cores
    // are few. Drawing the centre tile at once as well cost a mask step ~8 ms of main-thread
    // CPU and ~8 ms of whole view on two cores (medians of 9 paired runs, viewer README).
    // Paths of tiles that wait are built now, while the workers still compute.
    if (!this.sceneAll) {
      this.layer.setCell(key, records);
      this.pathsBuilt.add(key);
    }
    const wait = this.previewFrameDue - performance.now();
    if (wait <= 0) this.scheduleScene('preview');
    else if (this.previewFrameTimer === undefined) {
      this.previewFrameTimer = setTimeout(() => {
        this.previewFrameTimer = undefined;
        if (this.dirtyCells.size > 0) this.drawSceneNow('preview');
      }, wait);
    }
  }

  /**
   * Commits parameters: sliders follow, the server is asked with them, overlay tiles reload,
   * and `nuclei-params-change` is raised.
   * @throws {InvalidArgumentError} for out-of-range parameters.
   */
  setParams(params: PostprocessParams): void {
    const changed = paramsKey(params) !== paramsKey(this.params);
    this.params = params;
    this.preview = undefined;
    this.panel?.setParams(params);
    if (changed) {
      this.fetchAbort.abort();
      this.fetchAbort = new AbortController();
      this.viewer.raiseEvent(NUCLEI_EVENTS.paramsChange, { params });
    }
    if (this.slide) this.addOverlayItem();
    this.refresh();
  }

  /** The committed parameters. */
  getParams(): PostprocessParams {
    return this.params;
  }

  /** Changes how nuclei are drawn. */
  setDisplay(d: { opacity?: number; style?: DrawStyle; colorBy?: ColorBy }): void {
    if (d.opacity !== undefined) this.opacity = d.opacity;
    if (d.style !== undefined) this.drawStyle = d.style;
    if (d.colorBy !== undefined && d.colorBy !== this.colorBy) {
      this.colorBy = d.colorBy;
      this.domain = undefined;
      this.sceneAll = true;
      if (this.preview) this.previewParams(this.preview);
    }
    this.applyMode();
    if (this.slide && (d.style !== undefined || d.colorBy !== undefined)) this.addOverlayItem();
    this.scheduleScene('server');
  }

  // ---- scene, stats -------------------------------------------------------------------

  /** Rebuilds and draws the scene at once, instead of at the frame that may be scheduled. */
  private drawSceneNow(source: 'server' | 'preview'): void {
    if (this.sceneFrame) cancelAnimationFrame(this.sceneFrame);
    this.sceneFrame = 0;
    this.rebuildScene(source);
  }

  private scheduleScene(source: 'server' | 'preview'): void {
    if (this.sceneFrame) return;
    this.sceneFrame = requestAnimationFrame(() => {
      this.sceneFrame = 0;
      this.rebuildScene(source);
    });
  }

  /** Replaces (or, with undefined, removes) a compute tile's nuclei; the scene follows at the next frame. */
  private setShown(key: string, cell: ShownCell | undefined): void {
    if (cell) this.shown.set(key, cell);
    else this.shown.delete(key);
    this.dirtyCells.add(key);
  }

  /** The hit-test index, rebuilt on first use after the nuclei changed (never during a drag unless hovering). */
  private get hitIndex(): SpatialIndex {
    if (!this.index) this.index = new SpatialIndex(this.records);
    return this.index;
  }

  private rebuildScene(source: 'server' | 'preview'): void {
    if (this.destroyed) return;
    const t0 = performance.now();
    this.previewFrameDue = t0 + PREVIEW_FRAME_MS;
    if (this.previewFrameTimer !== undefined) clearTimeout(this.previewFrameTimer);
    this.previewFrameTimer = undefined;
    const records: NucleusRecord[] = [];
    for (const cell of this.shown.values()) for (const r of cell.records) records.push(r);
    this.records = records;
    this.index = undefined;
    const followed = this.followSelection(records);
    let all = this.sceneAll;
    // While a slider previews, the ramp keeps its range so colours do not jump under the hand.
    if (this.colorBy !== 'instance' && (!this.preview || !this.domain)) {
      const d = measurementDomain(records, COLOR_BY_MEASUREMENT[this.colorBy]);
      if (d?.min !== this.domain?.min || d?.max !== this.domain?.max) {
        this.domain = d;
        all = true;
      }
    }
    if (all) {
      this.layer.setColoring(this.colorBy, this.domain);
      this.layer.clearCells();
      for (const [k, c] of this.shown) this.layer.setCell(k, c.records);
      if (this.panel) renderLegend(this.panel.legend, this.colorBy, this.domain);
    }
    // A tile's nuclei, old and new, lie in its region (core plus halo): only there can a
    // partial redraw find changed pixels.
    let changed: Rect[] | undefined = all ? undefined : [];
    if (!all) {
      for (const k of this.dirtyCells) {
        const c = this.shown.get(k);
        if (!c) this.layer.deleteCell(k);
        else if (!this.pathsBuilt.has(k)) this.layer.setCell(k, c.records);
        const at = parseCellKey(k);
        // A key from another grid (the slide changed) has no region here: draw everything.
        if (changed && at && this.cells && at.col < this.cells.cols && at.row < this.cells.rows) {
          changed.push(cellAt(this.cells, at.col, at.row).region);
        } else changed = undefined;
      }
    }
    this.dirtyCells.clear();
    this.pathsBuilt.clear();
    this.sceneAll = false;
    let hoverGone = false;
    if (this.hovered && !records.includes(this.hovered)) {
      this.hovered = null;
      this.layer.setHovered(null);
      this.tooltip.show(null, 0, 0);
      hoverGone = true;
    }
    this.frame(hoverGone ? undefined : changed);
    if (followed) this.announceSelection();
    this.updateStats(source);
    this.lastSceneMs = performance.now() - t0;
    this.checkIdle();
  }

  /**
   * Moves each selected nucleus onto its record among `records` when one has exactly its
   * centroid (in practice, the same pixels): a preview's record lacks the figures the panel
   * did not show and carries ids of the worker's window labels, the server's answer for the
   * same parameters has every figure and the server's ids, and a download should carry those.
   * @returns whether any selected record was replaced (the selection's ids may have changed)
   */
  private followSelection(records: readonly NucleusRecord[]): boolean {
    if (this.selection.size === 0) return false;
    const byCentroid = new Map<string, string>();
    for (const [id, r] of this.selection) byCentroid.set(`${r.cx},${r.cy}`, id);
    let followed = false;
    for (const r of records) {
      const id = byCentroid.get(`${r.cx},${r.cy}`);
      if (id === undefined || this.selection.get(id) === r) continue;
      this.selection.delete(id);
      this.selection.set(r.id, r);
      followed = true;
    }
    if (followed) this.layer.setSelected(this.selection.values());
    return followed;
  }

  private updateStats(source: 'server' | 'preview'): void {
    const rect = this.viewRect();
    let count: number | undefined;
    const values: number[] = [];
    if (this.mode === 'vector') {
      count = 0;
      for (const r of this.records) {
        if (!rectHoldsPoint(rect, r.cx, r.cy)) continue;
        count++;
        const v = r.measurements[this.histogramMeasurement];
        if (Number.isFinite(v)) values.push(v);
      }
    }
    this.panel?.setCount(count, this.mode);
    const label = HISTOGRAM_MEASUREMENTS.find(([n]) => n === this.histogramMeasurement)?.[1] ?? this.histogramMeasurement;
    this.histogram?.show(values, label);
    this.viewer.raiseEvent(NUCLEI_EVENTS.update, {
      mode: this.mode,
      count,
      rect,
      source,
      ...(source === 'preview' && this.lastWorkerMs !== undefined ? { workerMs: this.lastWorkerMs } : {}),
    });
  }

  // ---- hover, click, selection --------------------------------------------------------

  private hover(position: OpenSeadragon.Point | null): void {
    const item = this.item;
    let hit: NucleusRecord | null = null;
    if (position && item && this.mode === 'vector') {
      const p = item.viewerElementToImageCoordinates(position);
      hit = this.hitIndex.at(p.x, p.y) ?? null;
    }
    if (hit !== this.hovered) {
      this.hovered = hit;
      this.layer.setHovered(hit);
      this.frame();
      this.viewer.raiseEvent(NUCLEI_EVENTS.hover, { nucleus: hit });
    }
    this.tooltip.show(hit, position?.x ?? 0, position?.y ?? 0);
  }

  private click(e: OpenSeadragon.CanvasClickEvent): void {
    if (!e.quick || this.mode !== 'vector') return;
    const item = this.item;
    if (!item) return;
    const p = item.viewerElementToImageCoordinates(e.position);
    const hit = this.hitIndex.at(p.x, p.y);
    if (!hit) return;
    e.preventDefaultAction = true;
    if (e.shift) {
      if (this.selection.has(hit.id)) this.selection.delete(hit.id);
      else this.selection.set(hit.id, hit);
    } else {
      const only = this.selection.size === 1 && this.selection.has(hit.id);
      this.selection.clear();
      if (!only) this.selection.set(hit.id, hit);
    }
    this.selectionChanged();
  }

  private selectionChanged(): void {
    this.layer.setSelected(this.selection.values());
    this.frame();
    this.announceSelection();
  }

  /** The panel's count and the `nuclei-selection-change` event follow the selection. */
  private announceSelection(): void {
    this.panel?.setSelection(this.selection.size);
    this.viewer.raiseEvent(NUCLEI_EVENTS.selectionChange, { ids: [...this.selection.keys()] });
  }

  /** Empties the selection. */
  clearSelection(): void {
    this.selection.clear();
    this.selectionChanged();
  }

  /** The selected nuclei as a QuPath-compatible GeoJSON FeatureCollection (level-0 px). */
  selectionGeoJson(): NucleusFeatureCollection {
    return { type: 'FeatureCollection', features: [...this.selection.values()].map((r) => r.feature) };
  }

  /** Saves {@link selectionGeoJson} as `<slide>-nuclei.geojson` through the browser. */
  downloadSelection(): void {
    const blob = new Blob([JSON.stringify(this.selectionGeoJson())], { type: 'application/geo+json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${this.o.slide}-nuclei.geojson`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  // ---- state --------------------------------------------------------------------------

  /** The nuclei shown whose centroid lies in the view (level-0 px). */
  nucleiInView(): NucleusRecord[] {
    if (this.mode !== 'vector') return [];
    const rect = this.viewRect();
    return this.records.filter((r) => rectHoldsPoint(rect, r.cx, r.cy));
  }

  /** A snapshot for pages, tests and benchmarks. */
  state(): NucleiOverlayState {
    let pending = 0;
    for (const n of this.pending.values()) pending += n;
    const rect = this.viewRect();
    const count = this.mode === 'vector' ? this.nucleiInView().length : undefined;
    const cells = this.mode === 'vector' ? this.viewCells() : [];
    return {
      mode: this.mode,
      ready: this.slide !== undefined,
      count,
      rect,
      params: this.params,
      previewParams: this.preview,
      pending,
      probsCells: this.probsCells.size,
      viewCells: cells.length,
      viewCellsWithProbs: cells.filter((c) => this.probsCells.has(cellKey(c.col, c.row))).length,
      selected: [...this.selection.keys()],
      lastWorkerMs: this.lastWorkerMs,
      lastPreviewCuts: this.lastPreviewCuts && { ...this.lastPreviewCuts },
      cuttingAhead: this.tuner?.cuttingAhead ?? false,
      lastDrawMs: this.lastDrawMs,
      lastSceneMs: this.lastSceneMs,
    };
  }

  private isIdle(): boolean {
    return (
      this.slide !== undefined &&
      this.pending.size === 0 &&
      this.refreshTimer === undefined &&
      this.sceneFrame === 0 &&
      !(this.tuner?.busy ?? false) &&
      !(this.tuner?.warming ?? false)
    );
  }

  private checkIdle(): void {
    if (!this.isIdle() || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Resolves once nothing is being fetched or computed (previews, and the background run of
   * newly loaded tiles) and the scene is drawn.
   */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Removes the overlay: layers, panel, worker, handlers and the overlay TiledImage. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.fetchAbort.abort();
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    if (this.previewProgressTimer !== undefined) clearTimeout(this.previewProgressTimer);
    if (this.previewFrameTimer !== undefined) clearTimeout(this.previewFrameTimer);
    if (this.sceneFrame) cancelAnimationFrame(this.sceneFrame);
    for (const [name, h] of this.handlers) this.viewer.removeHandler(name, h as never);
    this.tracker.destroy();
    this.tuner?.terminate();
    if (this.overlayItem) this.viewer.world.removeItem(this.overlayItem);
    this.histogram?.destroy();
    this.panel?.destroy();
    this.tooltip.destroy();
    this.layer.destroy();
  }
}

/**
 * Adds the nuclei overlay to `viewer`.
 * @throws {TypeError} for invalid options (a missing slide id, an opacity outside [0, 1]...).
 * @example
 * const overlay = createNucleiOverlay(viewer, { server: '', slide: 'demo' });
 * viewer.addHandler('nuclei-error', (e) => console.warn(e.message));
 */
export function createNucleiOverlay(viewer: OpenSeadragon.Viewer, options: NucleiOverlayOptions): NucleiOverlay {
  return new NucleiOverlay(viewer, options);
}
