/** The `/view/:id` page: the slide in OpenSeadragon with the nuclei overlay, its view kept in the URL. */
import OpenSeadragon from 'openseadragon';
import { createNucleiOverlay, type NucleiOverlay } from '../nuclei-overlay.js';
import { readViewState, writeViewState } from './view-state.js';

/** What the page exposes on `window.nucleiLens` (for the console and browser tests). */
export interface PageHandle {
  readonly viewer: OpenSeadragon.Viewer;
  readonly overlay: NucleiOverlay;
}

/** Opens slide `id` from the server at `base` into #viewer, the panel into #sidebar. */
export function showSlide(base: string, id: string): PageHandle {
  const title = document.getElementById('slide-title');
  if (title) title.textContent = id;
  const viewerEl = document.getElementById('viewer') as HTMLElement;
  const sidebar = document.getElementById('sidebar') as HTMLElement;
  const toggle = document.getElementById('panel-toggle') as HTMLButtonElement | null;
  toggle?.addEventListener('click', () => {
    sidebar.hidden = !sidebar.hidden;
    toggle.setAttribute('aria-expanded', String(!sidebar.hidden));
    toggle.textContent = sidebar.hidden ? 'Show panel' : 'Hide panel';
  });
  const { place, params, drawer } = readViewState(location.search);
  const assets = `${base}/viewer-assets/`;
  const viewer = OpenSeadragon({
    element: viewerEl,
    prefixUrl: `${assets}osd-images/`,
    tileSources: `${base}/slides/${encodeURIComponent(id)}.dzi`,
    showNavigator: true,
    navigatorPosition: 'BOTTOM_RIGHT',
    // Sections are mounted at any angle; outlines and hit-testing follow the rotation.
    showRotationControl: true,
    maxZoomPixelRatio: 4,
    crossOriginPolicy: 'Anonymous',
    // Overlay tiles may wait for inference on a busy server; OpenSeadragon's 30 s is short.
    timeout: 180_000,
    // Not OpenSeadragon's default (WebGL first): see PageDrawer.
    drawer: drawer === 'webgl' ? ['webgl', 'canvas'] : 'canvas',
  });
  const overlay = createNucleiOverlay(viewer, {
    server: base,
    slide: id,
    ...(params ? { params } : {}),
    panel: sidebar,
    workerUrl: `${assets}nucleilens-worker.js`,
    plotlyUrl: `${assets}plotly.min.js`,
  });
  let opened = false;
  viewer.addOnceHandler('open', () => {
    const item = viewer.world.getItemAt(0);
    if (place) {
      viewer.viewport.zoomTo(item.imageToViewportZoom(place.z), undefined, true);
      viewer.viewport.panTo(item.imageToViewportCoordinates(place.x, place.y), true);
    }
    opened = true;
  });
  const save = () => {
    if (!opened) return;
    const item = viewer.world.getItemAt(0);
    const c = item.viewportToImageCoordinates(viewer.viewport.getCenter(true));
    const z = item.viewportToImageZoom(viewer.viewport.getZoom(true));
    history.replaceState(null, '', writeViewState({ x: c.x, y: c.y, z }, overlay.getParams(), drawer));
  };
  viewer.addHandler('animation-finish', save);
  viewer.addHandler('nuclei-params-change', save);
  viewer.addHandler('open-failed', (e) => {
    sidebar.prepend(Object.assign(document.createElement('div'), { className: 'nl-error-box', role: 'alert', textContent: `Cannot open the slide: ${e.message}` }));
  });
  return { viewer, overlay };
}
