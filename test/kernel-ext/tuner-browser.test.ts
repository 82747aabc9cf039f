/**
 * The tuner widget in a real browser (Debian's chromium through playwright-core): the page
 * script decodes the maps, the bundled worker post-processes, sliders redraw the count, and
 * the button copies the parameters as code. Skips where chromium is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Picture, Probabilities, tune } from '@nucleilens/kernel-ext';
import { DEFAULT_PARAMS } from '@nucleilens/pipeline';

const CHROMIUM = '/usr/bin/chromium';

async function widgetHtml(): Promise<string> {
  const w = 48;
  const h = 32;
  const mask = new Uint8Array(w * h);
  const marker = new Uint8Array(w * h);
  // three squares, mask probabilities 0.4, 0.6 and 0.9
  [[4, 4, 102], [20, 4, 153], [34, 16, 230]].forEach(([x0, y0, p]) => {
    for (let y = y0; y < y0 + 9; y++) {
      for (let x = x0; x < x0 + 9; x++) {
        mask[y * w + x] = p;
        marker[y * w + x] = 230;
      }
    }
  });
  const picture = await Picture.create({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(220) }, { name: 'three squares' });
  const probs = await Probabilities.create({ width: w, height: h, data: mask }, { width: w, height: h, data: marker }, {
    source: 'test',
    picture,
    defaults: { ...DEFAULT_PARAMS, minNucleusArea: 10, minMarkerArea: 5, dilateRadius: 0 },
  });
  return String((await tune(probs, {}, 'probs')).mimeBundle()['text/html']);
}

test('tuner: live count under the sliders, parameters copied as code', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not installed (apt-get install chromium)`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'nl-tuner-'));
  const page = join(dir, 'tuner.html');
  writeFileSync(page, `<!doctype html><html><head><meta charset="utf-8"></head><body>${await widgetHtml()}</body></html>`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`file://${page}`);
    const status = () => tab.textContent('.nl-status');
    // Expressions as strings: they run in the page (this project compiles without DOM types).
    await tab.waitForFunction(`/nuclei/.test(document.querySelector('.nl-status').textContent)`);
    assert.match((await status()) ?? '', /^3 nuclei/);
    await tab.$eval('input[name=maskThreshold]', (el) => {
      (el as unknown as { value: string }).value = '0.5';
      el.dispatchEvent(new Event('input'));
    });
    await tab.waitForFunction(`/^2 nuclei/.test(document.querySelector('.nl-status').textContent)`);
    await tab.click('.nl-copy');
    assert.equal(await tab.textContent('.nl-code'), 'postprocess(probs, {"recipe":"default","maskThreshold":0.5})');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
