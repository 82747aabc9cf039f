/**
 * The viewer page as an express router: `/` lists the slides, `/view/:id` opens one with the
 * nuclei overlay, `/viewer-assets/*` serves the page's scripts (this package's bundles,
 * OpenSeadragon's own build and its button images, plotly.js). Node-only; mounted by the
 * NucleiLens server's app factory next to the slide and nuclei routes it calls.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/** Options of {@link viewerRouter}. */
export interface ViewerRouterOptions {
  /** Browser title prefix; default "NucleiLens". */
  readonly title?: string;
  /** Cache-Control max-age of the scripts in seconds; default 300. */
  readonly assetMaxAge?: number;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The package root: dist/router/index.js sits two folders below it. */
const packageRoot = resolve(here, '..', '..');
const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** Asset name -> file, a fixed list (nothing else under the package is reachable). */
function assetFiles(): Map<string, string> {
  const dist = join(packageRoot, 'dist');
  const osd = join(packageDir('openseadragon'), 'build', 'openseadragon');
  const files = new Map<string, string>([
    ['nucleilens-page.js', join(dist, 'nucleilens-page.js')],
    ['nucleilens-page.js.map', join(dist, 'nucleilens-page.js.map')],
    ['nucleilens-worker.js', join(dist, 'nucleilens-worker.js')],
    ['nucleilens-worker.js.map', join(dist, 'nucleilens-worker.js.map')],
    ['nucleilens-viewer.iife.js', join(dist, 'nucleilens-viewer.iife.js')],
    ['nucleilens-viewer.iife.js.map', join(dist, 'nucleilens-viewer.iife.js.map')],
    ['viewer.css', join(packageRoot, 'page', 'viewer.css')],
    ['openseadragon.min.js', join(osd, 'openseadragon.min.js')],
    ['openseadragon.min.js.map', join(osd, 'openseadragon.min.js.map')],
    ['plotly.min.js', join(packageDir('plotly.js-dist-min'), 'plotly.min.js')],
  ]);
  return files;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The viewer page's routes. The HTML is read once; `{{base}}` in it becomes the mount path
 * so the page works under a prefix too.
 * @example
 * app.use(viewerRouter()); // then open http://127.0.0.1:8080/
 */
export function viewerRouter(opts: ViewerRouterOptions = {}): Router {
  const title = opts.title ?? 'NucleiLens';
  const maxAge = opts.assetMaxAge ?? 300;
  const pages = {
    list: readFileSync(join(packageRoot, 'page', 'index.html'), 'utf8'),
    view: readFileSync(join(packageRoot, 'page', 'view.html'), 'utf8'),
  };
  const files = assetFiles();
  const osdImages = join(packageDir('openseadragon'), 'build', 'openseadragon', 'images');
  const router = express.Router();
  const page = (html: string, base: string, heading: string): string =>
    html.replaceAll('{{base}}', escapeHtml(base)).replaceAll('{{title}}', escapeHtml(heading));

  router.get('/', (req, res) => {
    res.type('html').setHeader('Cache-Control', 'no-cache');
    res.send(page(pages.list, req.baseUrl, title));
  });
  router.get('/view/:id', (req, res) => {
    res.type('html').setHeader('Cache-Control', 'no-cache');
    res.send(page(pages.view, req.baseUrl, `${req.params.id} · ${title}`));
  });
  router.get('/viewer-assets/:file', (req, res, next) => {
    const file = files.get(req.params.file);
    if (!file) {
      next();
      return;
    }
    res.sendFile(file, { maxAge: maxAge * 1000 }, (err) => {
      if (err) next(err);
    });
  });
  router.use('/viewer-assets/osd-images', express.static(osdImages, { maxAge: maxAge * 1000, index: false }));
  return router;
}
