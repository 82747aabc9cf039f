/**
 * `viewer.nucleiOverlay(options)`: installs the overlay as an OpenSeadragon Viewer method,
 * the way OpenSeadragon plugins extend the viewer.
 */
import type OpenSeadragon from 'openseadragon';
import { createNucleiOverlay, type NucleiOverlay } from './nuclei-overlay.js';
import type { NucleiOverlayOptions } from './overlay-options.js';

declare module 'openseadragon' {
  interface Viewer {
    /** Adds the NucleiLens nuclei overlay (installed by `installNucleiOverlay`). */
    nucleiOverlay(options: NucleiOverlayOptions): NucleiOverlay;
  }
}

/**
 * Adds `nucleiOverlay(options)` to every OpenSeadragon Viewer. Idempotent. Called
 * explicitly (never as a side effect of importing the module); the browser bundle calls it
 * on the page's global `OpenSeadragon`.
 * @example
 * installNucleiOverlay(OpenSeadragon);
 * const overlay = OpenSeadragon({ id: 'view', tileSources: '/slides/demo.dzi' }).nucleiOverlay({ slide: 'demo' });
 */
export function installNucleiOverlay(osd: typeof OpenSeadragon): void {
  const proto = osd.Viewer.prototype as OpenSeadragon.Viewer;
  if (typeof proto.nucleiOverlay === 'function') return;
  proto.nucleiOverlay = function nucleiOverlay(this: OpenSeadragon.Viewer, options: NucleiOverlayOptions): NucleiOverlay {
    return createNucleiOverlay(this, options);
  };
}
