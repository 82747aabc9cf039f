/** Options of the nuclei overlay, their defaults and validation. */
import { resolvePostprocessParams, type PostprocessOverrides } from '@nucleilens/pipeline/post';
import type { PostprocessParams, RecipeName } from './core/tuning-params.js';
import { COLOR_BY_CHOICES, type ColorBy } from './core/color-scale.js';
import type { FetchFn } from './api-client.js';
import type { DrawStyle } from './panel.js';
import { besideScript } from './script-base.js';

/** Options of `viewer.nucleiOverlay(...)` / {@link createNucleiOverlay}. */
export interface NucleiOverlayOptions {
  /** Base URL of the NucleiLens server; default `''` (the page's origin). */
  readonly server?: string;
  /** Slide id, as in `/slides/:id`. */
  readonly slide: string;
  /**
   * Starting post-processing parameters: a recipe name plus any overrides. Default: the
   * model's defaults as the server's `/grid` reports them (the `default` recipe until then).
   * Every request sends them all, so server and preview agree.
   */
  readonly params?: PostprocessOverrides & { readonly recipe?: RecipeName };
  /** Overlay opacity in [0, 1]; default 0.9. */
  readonly opacity?: number;
  /** `'outline'` (default) or `'fill'`. */
  readonly style?: DrawStyle;
  /** Colouring; default `'instance'`. */
  readonly colorBy?: ColorBy;
  /**
   * Image zoom (screen px per level-0 px) from which vector outlines from `/nuclei` are
   * drawn and thresholds tune live; default 0.5.
   */
  readonly vectorMinZoom?: number;
  /** Image zoom from which the server's overlay tiles are shown (below vector zoom); default 0.125. */
  readonly overlayMinZoom?: number;
  /**
   * Where the threshold panel goes: an element (e.g. a page's sidebar), or `false` for no
   * panel. Default: a floating panel in the viewer's top-right corner.
   */
  readonly panel?: HTMLElement | false;
  /** URL of nucleilens-worker.js; default: next to the plugin's script. */
  readonly workerUrl?: string | URL;
  /** URL of plotly.min.js for the histogram, or `false` for no histogram; default: next to the plugin's script. */
  readonly plotlyUrl?: string | false;
  /** QuPath name of the measurement the histogram starts with; default `'Area'`. */
  readonly histogramMeasurement?: string;
  /** Index of the slide in `viewer.world`; default 0. */
  readonly itemIndex?: number;
  /**
   * Probability tiles kept decoded, shared out among the tuning workers; default 64, about
   * 160 MB at 640x640 (two byte maps and a float hematoxylin map, 2.5 MB a tile).
   */
  readonly maxCachedTiles?: number;
  /** Tuning workers; default one per core, at most 4. */
  readonly workers?: number;
  /** Compute tiles the view may meet before vector mode asks the user to zoom in; default 64. */
  readonly maxCells?: number;
  /** `fetch` used for JSON requests (tests inject one); default the global. */
  readonly fetch?: FetchFn;
}

/** Options with defaults applied and parameters resolved. */
export interface ResolvedOverlayOptions {
  readonly server: string;
  readonly slide: string;
  readonly params: PostprocessParams;
  /** Whether `params` came from the caller (else the model's defaults replace them once known). */
  readonly paramsGiven: boolean;
  readonly opacity: number;
  readonly style: DrawStyle;
  readonly colorBy: ColorBy;
  readonly vectorMinZoom: number;
  readonly overlayMinZoom: number;
  readonly panel: HTMLElement | false | undefined;
  readonly workerUrl: string | URL;
  readonly plotlyUrl: string | false;
  readonly histogramMeasurement: string;
  readonly itemIndex: number;
  readonly maxCachedTiles: number;
  readonly maxCells: number;
  readonly workers: number;
  readonly fetch: FetchFn | undefined;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new TypeError(`nucleiOverlay: ${message}`);
}

/**
 * Applies defaults and checks every option.
 * @throws {TypeError} naming the bad option; {InvalidArgumentError} for bad parameters.
 * @example
 * resolveOverlayOptions({ slide: 'demo' }).vectorMinZoom; // 0.5
 */
export function resolveOverlayOptions(o: NucleiOverlayOptions): ResolvedOverlayOptions {
  check(typeof o.slide === 'string' && o.slide.length > 0, 'slide (the slide id) is required');
  const { recipe, ...overrides } = o.params ?? {};
  const r: ResolvedOverlayOptions = {
    server: o.server ?? '',
    slide: o.slide,
    params: resolvePostprocessParams(recipe ?? 'default', overrides),
    paramsGiven: o.params !== undefined,
    opacity: o.opacity ?? 0.9,
    style: o.style ?? 'outline',
    colorBy: o.colorBy ?? 'instance',
    vectorMinZoom: o.vectorMinZoom ?? 0.5,
    overlayMinZoom: o.overlayMinZoom ?? 0.125,
    panel: o.panel,
    workerUrl: o.workerUrl ?? besideScript('nucleilens-worker.js'),
    plotlyUrl: o.plotlyUrl ?? besideScript('plotly.min.js'),
    histogramMeasurement: o.histogramMeasurement ?? 'Area',
    itemIndex: o.itemIndex ?? 0,
    maxCachedTiles: o.maxCachedTiles ?? 64,
    maxCells: o.maxCells ?? 64,
    // The main thread is nearly idle during a drag, so every core may post-process.
    workers: o.workers ?? Math.min(4, Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 2)),
    fetch: o.fetch,
  };
  check(r.opacity >= 0 && r.opacity <= 1, `opacity must be in [0, 1], got ${r.opacity}`);
  check(r.style === 'outline' || r.style === 'fill', `style must be 'outline' or 'fill', got ${String(r.style)}`);
  check(COLOR_BY_CHOICES.includes(r.colorBy), `colorBy must be one of ${COLOR_BY_CHOICES.join(', ')}, got ${String(r.colorBy)}`);
  check(r.vectorMinZoom > 0 && r.overlayMinZoom > 0 && r.overlayMinZoom <= r.vectorMinZoom, 'need 0 < overlayMinZoom <= vectorMinZoom');
  check(Number.isInteger(r.maxCachedTiles) && r.maxCachedTiles > 0, `maxCachedTiles must be a positive integer, got ${r.maxCachedTiles}`);
  check(Number.isInteger(r.workers) && r.workers > 0, `workers must be a positive integer, got ${r.workers}`);
  check(Number.isInteger(r.maxCells) && r.maxCells > 0, `maxCells must be a positive integer, got ${r.maxCells}`);
  return r;
}
