/**
 * @nucleilens/viewer-plugin: the NucleiLens nuclei overlay for OpenSeadragon.
 *
 * @example
 * import OpenSeadragon from 'openseadragon';
 * import { installNucleiOverlay } from '@nucleilens/viewer-plugin';
 * installNucleiOverlay(OpenSeadragon);
 * const viewer = OpenSeadragon({ element, tileSources: '/slides/demo.dzi' });
 * const overlay = viewer.nucleiOverlay({ slide: 'demo' });
 */
export { NucleiOverlay, createNucleiOverlay, type NucleiOverlayState } from './nuclei-overlay.js';
export { installNucleiOverlay } from './install.js';
export type { NucleiOverlayOptions } from './overlay-options.js';
export { NucleiApi, NucleiServerError, type FetchFn } from './api-client.js';
export {
  NUCLEI_EVENTS,
  type NucleiErrorEvent,
  type NucleiErrorSource,
  type NucleiProgressEvent,
  type NucleiUpdateEvent,
  type NucleiSelectionChangeEvent,
  type NucleiParamsChangeEvent,
  type NucleiHoverEvent,
  type OverlayMode,
} from './events.js';
export type { DrawStyle } from './panel.js';
export * from './core/index.js';
