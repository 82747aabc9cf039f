/**
 * `tune(probs)`: an interactive threshold tuner in the cell output, needing no server. The
 * output carries the region's picture and its two maps (one PNG, R = mask, G = marker, as
 * the HTTP API's /probs tiles), the bundled post-processing worker, and a small page
 * script: each slider change re-runs post-processing in the worker and redraws the overlay
 * and the count; a button copies the chosen parameters as a `postprocess(...)` call.
 */
import { randomBytes } from 'node:crypto';
import { ELEVATION_KINDS, InvalidArgumentError, type PostprocessParams, type ProbMap } from '@nucleilens/pipeline';
import { toProbU8 } from '@nucleilens/pipeline';
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { escapeHtml } from '../render/html-table.js';
import { pngBase64 } from '../render/png-base64.js';
import { scriptJson } from '../render/plotly-html.js';
import { resolveChoice, type PostprocessChoice } from '../stages/params-choice.js';
import type { Probabilities } from '../views/probabilities.js';
import type { Segmentation } from '../views/segmentation.js';
import { tunerWorkerSource } from './worker-bundle.js';

/** Largest region the tuner accepts (pixels): post-processing must feel instant. */
export const MAX_TUNE_PIXELS = 1024 * 1024;

/** A numeric slider of the tuner. */
interface SliderSpec {
  readonly key: 'maskThreshold' | 'markerThreshold' | 'minNucleusArea' | 'minMarkerArea' | 'maxHoleArea' | 'dilateRadius';
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

const SLIDERS: readonly SliderSpec[] = [
  { key: 'maskThreshold', min: 0, max: 1, step: 0.01 },
  { key: 'markerThreshold', min: 0, max: 1, step: 0.01 },
  { key: 'minNucleusArea', min: 0, max: 400, step: 5 },
  { key: 'minMarkerArea', min: 0, max: 200, step: 5 },
  { key: 'maxHoleArea', min: 0, max: 400, step: 10 },
  { key: 'dilateRadius', min: 0, max: 3, step: 1 },
];

function packMaps(mask: ProbMap, marker: ProbMap) {
  const m = toProbU8(mask).data;
  const k = toProbU8(marker).data;
  const data = new Uint8Array(3 * m.length);
  for (let i = 0; i < m.length; i++) {
    data[3 * i] = m[i];
    data[3 * i + 1] = k[i];
  }
  return { width: mask.width, height: mask.height, data };
}

// The page script: plain ES2017, no template literals, so it survives any notebook front end.
const PAGE_SCRIPT = `
(function(root, cfg, workerSrc){
  var q = function(sel){ return root.querySelector(sel); };
  var canvas = q('canvas'), ctx = canvas.getContext('2d'), status = q('.nl-status'), code = q('.nl-code');
  var params = Object.assign({}, cfg.params), seq = 0, busy = false, pending = false, handler = null, worker = null;
  function decode(src){ return new Promise(function(ok, fail){ var im = new Image(); im.onload = function(){
    var c = document.createElement('canvas'); c.width = cfg.width; c.height = cfg.height; var g = c.getContext('2d');
    g.drawImage(im, 0, 0); ok(g.getImageData(0, 0, cfg.width, cfg.height).data); }; im.onerror = function(){ fail(new Error('image decode failed')); }; im.src = src; }); }
  // Same recipe: only what changed (the rest are the maps' defaults). Another recipe: every
  // number, because postprocess() would otherwise start from that recipe's own defaults.
  function codeText(){ var choice = {}, all = params.recipe !== cfg.params.recipe;
    Object.keys(params).forEach(function(k){ if (all || params[k] !== cfg.params[k] || k === 'recipe') choice[k] = params[k]; });
    return cfg.callName + '(' + cfg.probsName + ', ' + JSON.stringify(choice) + ')'; }
  function onReply(r){ busy = false;
    if (r.type === 'error') { status.textContent = 'error: ' + r.message; }
    else { ctx.putImageData(new ImageData(r.rgba, cfg.width, cfg.height), 0, 0);
      status.textContent = r.count + ' nuclei \\u00b7 post-processing ' + Math.round(r.ms) + ' ms'; }
    code.textContent = codeText(); if (pending) { pending = false; run(); } }
  function run(){ if (busy) { pending = true; return; } busy = true; seq += 1;
    var msg = { type: 'run', seq: seq, params: params };
    if (worker) worker.postMessage(msg); else setTimeout(function(){ onReply(handler(msg)); }, 0); }
  root.querySelectorAll('input[type=range]').forEach(function(el){ el.addEventListener('input', function(){
    params[el.name] = Number(el.value); q('.nl-v-' + el.name).textContent = el.value; run(); }); });
  root.querySelectorAll('select').forEach(function(el){ el.addEventListener('change', function(){ params[el.name] = el.value; run(); }); });
  q('.nl-copy').addEventListener('click', function(){ var text = codeText();
    function fallback(){ var t = document.createElement('textarea'); t.value = text; document.body.appendChild(t); t.select();
      try { document.execCommand('copy'); status.textContent = 'copied'; } catch (e) { status.textContent = 'select the code below and copy it'; } document.body.removeChild(t); }
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(function(){ status.textContent = 'copied: ' + text; }, fallback); else fallback(); });
  Promise.all([decode(cfg.probsPng), decode(cfg.picturePng)]).then(function(px){
    var n = cfg.width * cfg.height, mask = new Uint8Array(n), marker = new Uint8Array(n), rgb = new Uint8Array(3 * n);
    for (var i = 0; i < n; i++) { mask[i] = px[0][4*i]; marker[i] = px[0][4*i+1]; rgb[3*i] = px[1][4*i]; rgb[3*i+1] = px[1][4*i+1]; rgb[3*i+2] = px[1][4*i+2]; }
    var init = { type: 'init', width: cfg.width, height: cfg.height, mask: mask, marker: marker, rgb: rgb };
    try { worker = new Worker(URL.createObjectURL(new Blob([workerSrc], { type: 'text/javascript' })));
      worker.onmessage = function(e){ onReply(e.data); }; worker.postMessage(init); }
    catch (e) { worker = null; (new Function(workerSrc))(); handler = window.NucleiLensTuner.handle; handler(init); }
    run();
  }).catch(function(e){ status.textContent = 'tuner failed: ' + e.message; });
})`;

/** The tuner widget value. */
export class Tuner extends RichValue {
  private constructor(
    private readonly html: string,
    private readonly text: string,
  ) {
    super();
  }

  /** Builds the widget (encodes the PNGs and bundles the worker now). */
  static async create(probs: Probabilities, params: PostprocessParams, probsName: string): Promise<Tuner> {
    const picture = probs.info.picture;
    if (!picture) throw new InvalidArgumentError('tune needs probabilities that carry their picture (from infer or referenceProbabilities)');
    const { width, height } = probs;
    if (width * height > MAX_TUNE_PIXELS) {
      throw new InvalidArgumentError(`tune works on regions up to ${MAX_TUNE_PIXELS} px; this one is ${width}x${height}: infer on a smaller region()`);
    }
    const id = `nl-tune-${randomBytes(6).toString('hex')}`;
    const cfg = {
      width,
      height,
      params,
      callName: 'postprocess',
      probsName,
      probsPng: `data:image/png;base64,${await pngBase64(packMaps(probs.mask, probs.marker))}`,
      picturePng: `data:image/png;base64,${await pngBase64(picture.rgb)}`,
    };
    const sliders = SLIDERS.map(
      (s) =>
        `<label style="display:block">${s.key} <input type="range" name="${s.key}" min="${s.min}" max="${s.max}" step="${s.step}" value="${params[s.key]}" style="width:220px;vertical-align:middle"/> <span class="nl-v-${s.key}">${params[s.key]}</span></label>`,
    ).join('');
    const select = (name: string, options: readonly string[], value: string) =>
      `<label style="display:block">${name} <select name="${name}">${options.map((o) => `<option${o === value ? ' selected' : ''}>${escapeHtml(o)}</option>`).join('')}</select></label>`;
    const html =
      `<div id="${id}" style="display:flex;gap:16px;align-items:flex-start;font-family:sans-serif;font-size:13px">` +
      `<canvas width="${width}" height="${height}" style="max-width:60%;height:auto;border:1px solid #ccc"></canvas>` +
      `<div><b>post-processing of ${escapeHtml(picture.info.name)}</b>` +
      select('recipe', ['default', 'paper'], params.recipe) +
      select('elevation', ELEVATION_KINDS, params.elevation) +
      sliders +
      `<p class="nl-status">loading…</p><button class="nl-copy">copy parameters as code</button>` +
      `<pre class="nl-code" style="white-space:pre-wrap;max-width:420px"></pre></div></div>` +
      `<script>${PAGE_SCRIPT}(document.getElementById(${scriptJson(id)}), ${scriptJson(cfg)}, ${scriptJson(tunerWorkerSource())});</script>`;
    return new Tuner(html, `threshold tuner for ${picture.info.name} (${width}x${height}); open the notebook in a browser to use it`);
  }

  mimeBundle(): MimeBundle {
    return { 'text/html': this.html, 'text/plain': this.text };
  }

  summary(): string {
    return this.text;
  }
}

/**
 * An interactive post-processing tuner for a region's probability maps (or a
 * segmentation's): sliders for every threshold and size, live overlay and count, and a
 * button that copies the parameters as code.
 * @param source maps from infer/referenceProbabilities, or a segmentation made from them
 * @param choice starting parameters over the maps' defaults
 * @param probsName the variable name the copied code should use
 * @throws {InvalidArgumentError} when the region is over {@link MAX_TUNE_PIXELS} or carries no picture.
 * @example
 * await tune(probs);
 */
export async function tune(source: Probabilities | Segmentation, choice: PostprocessChoice = {}, probsName = 'probs'): Promise<Tuner> {
  const probs = 'labels' in source ? source.info.probabilities : source;
  if (!probs) throw new InvalidArgumentError('this segmentation was not made from probability maps (ground truth?): tune its probabilities instead');
  const start = 'labels' in source && source.info.params && Object.keys(choice).length === 0 ? source.info.params : resolveChoice(probs, choice);
  return Tuner.create(probs, start, probsName);
}
