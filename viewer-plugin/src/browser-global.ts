/**
 * Entry of the classic-script bundle (dist/nucleilens-viewer.iife.js): exposes the plugin
 * as `window.NucleiLensViewer` and installs `viewer.nucleiOverlay(...)` on the page's
 * global `OpenSeadragon`, which must be loaded first.
 */
import OpenSeadragon from 'openseadragon';
import { installNucleiOverlay } from './install.js';

export * from './index.js';

if (OpenSeadragon) installNucleiOverlay(OpenSeadragon);
