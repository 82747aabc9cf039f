/** kernel-ext's rich display: MIME bundles, plotly once per session, tables, error lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  PLOTLY_MIME,
  barChart,
  describeError,
  histogram,
  htmlTable,
  lineChart,
  resetPlotlyLoader,
  runStage,
  scatter,
  setDisplaySink,
  show,
  table,
  textTable,
  type MimeBundle,
} from '@nucleilens/kernel-ext';
import { NotFoundError } from '@nucleilens/pipeline';

function recording(): { bundles: MimeBundle[]; restore: () => void } {
  const bundles: MimeBundle[] = [];
  const previous = setDisplaySink({ publish: (b) => bundles.push(b) });
  return { bundles, restore: () => setDisplaySink(previous) };
}

test('a value ending a cell publishes its bundle once; nested values only summarize', () => {
  const rec = recording();
  try {
    const t = table([{ organ: 'Kidney', aji: 0.61234 }], { caption: 'AJI' });
    assert.equal(inspect(t), 'AJI: table of 1 rows'); // what tslab's console.log prints
    assert.equal(rec.bundles.length, 1);
    assert.match(String(rec.bundles[0]['text/html']), /<caption>AJI<\/caption>.*<td style="text-align:right">0.6123<\/td>/s);
    inspect([t]);
    assert.equal(rec.bundles.length, 1);
    show(t, 'plain text');
    assert.equal(rec.bundles.length, 3);
    assert.deepEqual(rec.bundles[2], { 'text/plain': 'plain text' });
  } finally {
    rec.restore();
  }
});

test('tables escape HTML and align text', () => {
  assert.equal(
    htmlTable([{ a: '<b>', b: null }]),
    '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n<tr><td>&lt;b&gt;</td><td>—</td></tr>\n</tbody></table>',
  );
  assert.equal(textTable([{ name: 'x', n: 10 }, { name: 'long', n: 2 }]), 'name  n\nx     10\nlong  2');
});

test('histogram bins exactly; plotly.js is inlined with the first figure shown only', () => {
  const h = histogram([0, 1, 1, 2, 3, 4], { bins: 2, title: 'h' });
  const trace = h.data[0];
  assert.deepEqual(trace.y, [3, 3]);
  assert.deepEqual(trace.x, [1, 3]);
  resetPlotlyLoader();
  const first = h.mimeBundle();
  const second = scatter([1, 2, NaN], [3, 4, 5]).mimeBundle();
  assert.deepEqual((first[PLOTLY_MIME] as { data: unknown[] }).data, h.data);
  assert.ok(String(first['text/html']).length > 500_000, 'first figure carries plotly.js');
  assert.ok(String(second['text/html']).length < 10_000, 'later figures do not');
  assert.match(String(second['text/html']), /Plotly\.newPlot/);
  assert.doesNotMatch(String(first['text/html']).slice(100, -2000), /<\/script>/i);
  assert.deepEqual((second[PLOTLY_MIME] as { data: { x: number[] }[] }).data[0].x, [1, 2]);
  assert.equal(lineChart([{ name: 's', x: [1], y: [2] }]).data[0].mode, 'lines+markers');
  assert.throws(() => barChart(['a', 'b'], [{ name: 's', y: [1] }]), /1 values for 2 categories/);
  assert.throws(() => histogram([NaN]), /finite/);
});

test('a failing stage prints name, code and message, then rethrows', async () => {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    await assert.rejects(runStage('open', () => Promise.reject(new NotFoundError('x.svs: no such file'))), NotFoundError);
  } finally {
    console.error = original;
  }
  assert.deepEqual(lines, ['✗ open: NotFoundError [NOT_FOUND]: x.svs: no such file']);
  assert.equal(describeError('boom'), 'thrown value: boom');
  const { value, timing } = await runStage('sum', () => 1 + 1);
  assert.equal(value, 2);
  assert.equal(timing.stage, 'sum');
});
