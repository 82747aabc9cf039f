/**
 * HTML fallback for plotly figures. Jupyter front ends with a plotly renderer use the
 * `application/vnd.plotly.v1+json` entry of the same bundle; nbconvert's HTML and the classic
 * notebook do not know that MIME type and show this HTML instead. plotly.js (the basic
 * bundle, ~1 MB: scatter and bar traces) is inlined with the first figure of a kernel session
 * only, so a notebook carries one copy (inlining per figure would add it to every output).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);

let plotlyInlined = false;

/** Makes the next figure inline plotly.js again (a fresh notebook in the same process). */
export function resetPlotlyLoader(): void {
  plotlyInlined = false;
}

/** Script text safe inside `<script>`: no `</script` can end it early. */
function scriptSafe(js: string): string {
  return js.replace(/<\/script/gi, '<\\/script');
}

/** JSON that is safe inside a `<script>` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function plotlyLoaderScript(): string {
  const source = readFileSync(require.resolve('plotly.js-basic-dist-min/plotly-basic.min.js'), 'utf8');
  // The notebook page may have require.js: hide AMD/CommonJS so the bundle sets window.Plotly.
  return `<script>(function(define, module, exports){\n${scriptSafe(source)}\n}).call(window);</script>`;
}

/**
 * The HTML of one figure: a div and a script that draws it with `window.Plotly`, preceded
 * by plotly.js itself when this is the session's first figure.
 * @param figure plotly `{ data, layout }` (JSON-safe)
 * @example
 * const html = plotlyHtml({ data: [{ type: 'bar', x: [1], y: [2] }], layout: {} });
 */
export function plotlyHtml(figure: { data: readonly object[]; layout: object }): string {
  const id = `nl-plot-${randomBytes(6).toString('hex')}`;
  const loader = plotlyInlined ? '' : plotlyLoaderScript();
  plotlyInlined = true;
  const draw =
    `(function(){var el=document.getElementById(${scriptJson(id)});var fig=${scriptJson(figure)};` +
    `var tries=0;(function draw(){if(window.Plotly){window.Plotly.newPlot(el,fig.data,fig.layout,{responsive:true});}` +
    `else if(++tries<100){setTimeout(draw,50);}else{el.textContent='plotly.js is not loaded in this page: re-run the notebook from the top.';}})();})();`;
  return `${loader}<div id="${id}" style="width:100%;max-width:900px;height:420px"></div><script>${draw}</script>`;
}
