// Browser bundles of the viewer plugin (esbuild), written next to tsc's ES modules in dist/:
//   nucleilens-viewer.iife.js  classic script: window.NucleiLensViewer, installs viewer.nucleiOverlay
//   nucleilens-worker.js       the tuning Web Worker (pipeline post-processing + measurement)
//   nucleilens-page.js         the server's viewer page (slide list, /view/:id)
// OpenSeadragon is not bundled: the page loads OpenSeadragon's own build, and `import
// OpenSeadragon from 'openseadragon'` resolves to that global.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `openseadragon` -> the global the page's script tag defines. */
const openSeadragonGlobal = {
  name: 'openseadragon-global',
  setup(b) {
    b.onResolve({ filter: /^openseadragon$/ }, () => ({ path: 'openseadragon', namespace: 'osd-global' }));
    b.onLoad({ filter: /.*/, namespace: 'osd-global' }, () => ({
      contents: 'export default globalThis.OpenSeadragon;',
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  // NL_NO_MINIFY=1 keeps function names, for V8's --trace-deopt / --trace-opt in chromium.
  minify: process.env.NL_NO_MINIFY !== '1',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // import.meta.url is only a fallback in script-base.ts (document.currentScript comes first).
  logOverride: { 'empty-import-meta': 'silent' },
  plugins: [openSeadragonGlobal],
};

const t0 = performance.now();
await Promise.all([
  build({ ...common, entryPoints: [join(root, 'src/browser-global.ts')], outfile: join(root, 'dist/nucleilens-viewer.iife.js'), globalName: 'NucleiLensViewer' }),
  build({ ...common, entryPoints: [join(root, 'src/worker/tuning-worker.ts')], outfile: join(root, 'dist/nucleilens-worker.js') }),
  build({ ...common, entryPoints: [join(root, 'src/page/main.ts')], outfile: join(root, 'dist/nucleilens-page.js') }),
]);
console.log(`viewer-plugin bundles in ${(performance.now() - t0).toFixed(0)} ms`);
