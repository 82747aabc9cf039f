/**
 * The OpenSeadragon events the nuclei overlay raises on its viewer (listen with
 * `viewer.addHandler(name, handler)`); README.md documents each. Failures are raised here,
 * not only logged.
 */
import type { PostprocessParams } from './core/tuning-params.js';
import type { NucleusRecord } from './core/nucleus-record.js';
import type { Rect } from './core/server-types.js';
import type {} from 'openseadragon';

/** The overlay's event names. */
export const NUCLEI_EVENTS = {
  /** A request, tile, or the tuning worker failed. */
  error: 'nuclei-error',
  /** The number of regions being computed or fetched changed. */
  progress: 'nuclei-progress',
  /** The nuclei shown changed (new data, a preview, a pan). */
  update: 'nuclei-update',
  /** The selection changed. */
  selectionChange: 'nuclei-selection-change',
  /** A threshold was committed (slider released): the server now uses these parameters. */
  paramsChange: 'nuclei-params-change',
  /** The pointer entered or left a nucleus. */
  hover: 'nuclei-hover',
} as const;

/** Where a failure happened. */
export type NucleiErrorSource = 'slide' | 'grid' | 'nuclei' | 'probs' | 'overlay-tile' | 'worker' | 'plotly';

/** Payload of `nuclei-error`. */
export interface NucleiErrorEvent {
  readonly source: NucleiErrorSource;
  /** HTTP status; 0 for a network failure; undefined when no request was involved. */
  readonly status?: number;
  /** The server's error code (NOT_FOUND, INVALID_ARGUMENT, BUSY...) or NETWORK, WORKER... */
  readonly code: string;
  readonly message: string;
  readonly url?: string;
}

/** Payload of `nuclei-progress`. */
export interface NucleiProgressEvent {
  /** Requests or computations in flight. */
  readonly pending: number;
  /** A short description for a status line, '' when idle. */
  readonly label: string;
}

/** What the overlay shows at the current zoom. */
export type OverlayMode = 'off' | 'tiles' | 'vector';

/** Payload of `nuclei-update`. */
export interface NucleiUpdateEvent {
  readonly mode: OverlayMode;
  /** Nuclei whose centroid lies in `rect`; undefined outside vector mode. */
  readonly count: number | undefined;
  /** The view, level-0 px, snapped to whole pixels and clipped to the slide. */
  readonly rect: Rect;
  /** `'preview'` while a slider is being dragged (worker results), else `'server'`. */
  readonly source: 'server' | 'preview';
  /** Milliseconds the worker spent, for preview updates. */
  readonly workerMs?: number;
}

/** Payload of `nuclei-selection-change`. */
export interface NucleiSelectionChangeEvent {
  readonly ids: readonly string[];
}

/** Payload of `nuclei-params-change`. */
export interface NucleiParamsChangeEvent {
  readonly params: PostprocessParams;
}

/** Payload of `nuclei-hover`. */
export interface NucleiHoverEvent {
  readonly nucleus: NucleusRecord | null;
}

declare module 'openseadragon' {
  interface ViewerEventMap {
    'nuclei-error': NucleiErrorEvent;
    'nuclei-progress': NucleiProgressEvent;
    'nuclei-update': NucleiUpdateEvent;
    'nuclei-selection-change': NucleiSelectionChangeEvent;
    'nuclei-params-change': NucleiParamsChangeEvent;
    'nuclei-hover': NucleiHoverEvent;
  }
}
