/**
 * Nuclei on demand over real HTTP on 127.0.0.1, with the tiny fixture model and a small
 * SVS-like slide written in the test: the nuclei of a rectangle are the union of those of
 * its quadrants and do not depend on request order; a browser re-running post-processing
 * on `/probs` gets the same nuclei; threshold changes never reach the network; overlays;
 * 503 when the queue is full; bad input; whole-slide jobs with SSE, exports, and resume
 * after a restart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { cellOwns, computeGrid, measureNuclei, postprocess, type NucleusFeature, type PostprocessParams } from '@nucleilens/pipeline';
import { createServer, type JobSummary, type NucleiLensServer, type ServerOptions } from '@nucleilens/server';
import { TINY_CARD } from '../unit/tiny-model.js';
import { nucleiSlideSource, writeNucleiSlide } from '../fixtures/nuclei-slide.js';
import { writeTruncated } from '../fixtures/slides.js';
import { splitProbPixels } from '@nucleilens/viewer-plugin/core';

const SIZE = 768;
const dir = await mkdtemp(join(tmpdir(), 'nucleilens-nuclei-'));
const cacheRoot = await mkdtemp(join(tmpdir(), 'nucleilens-nuclei-cache-'));
const source = await nucleiSlideSource(SIZE);

interface Running {
  readonly server: NucleiLensServer;
  readonly http: Server;
  readonly base: string;
}

const BASE_OPTIONS: Partial<ServerOptions> = {
  model: TINY_CARD,
  executionProvider: 'cpu',
  inferenceThreads: 1,
  computeTile: 256,
  computeHalo: 32,
  maxRegionPixels: 2_000_000,
  logger: { info: () => undefined, warn: () => undefined, error: (m) => process.stderr.write(`${m}\n`) },
};

async function start(options: Partial<ServerOptions> = {}): Promise<Running> {
  const server = createServer({ slidesDir: dir, ...BASE_OPTIONS, ...options });
  const http = createHttpServer(server.app);
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  const addr = http.address();
  return { server, http, base: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

async function stop(r: Running): Promise<void> {
  r.http.closeAllConnections();
  await new Promise<void>((ok) => r.http.close(() => ok()));
  await r.server.close();
}

async function getJson<T>(r: Running, path: string, status = 200): Promise<T> {
  const res = await fetch(`${r.base}${path}`);
  const text = await res.text();
  assert.equal(res.status, status, `${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface Fc {
  type: string;
  features: NucleusFeature[];
}

const nuclei = (r: Running, slide: string, x: number, y: number, w: number, h: number, extra = '') =>
  getJson<Fc>(r, `/slides/${slide}/nuclei?x=${x}&y=${y}&w=${w}&h=${h}${extra}`);

async function metric(r: Running, name: string): Promise<number> {
  const text = await (await fetch(`${r.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `metric ${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

/** Features keyed by id, with ids unique. */
function byId(features: readonly NucleusFeature[]): Map<string, NucleusFeature> {
  const m = new Map(features.map((f) => [f.id, f]));
  assert.equal(m.size, features.length, 'no duplicate nuclei');
  return m;
}

let main: Running;

before(async () => {
  await writeNucleiSlide(join(dir, 'tissue.svs'), source.image);
  await copyFile(join(dir, 'tissue.svs'), join(dir, 'again.svs'));
  await copyFile(join(dir, 'tissue.svs'), join(dir, 'resume.svs'));
  await writeTruncated(join(dir, 'tissue.svs'), join(dir, 'broken.svs'), 0.5);
  main = await start({ cacheDir: join(cacheRoot, 'main') });
});

after(async () => {
  await stop(main);
  await rm(dir, { recursive: true, force: true });
  await rm(cacheRoot, { recursive: true, force: true });
});

describe(`nuclei server over HTTP (${source.from})`, () => {
  test('grid: the compute grid and the model', async () => {
    const g = await getJson<{ tile: number; halo: number; cols: number; rows: number; mpp: number; model: { name: string; provider: string } }>(main, '/slides/tissue/grid');
    assert.deepEqual([g.tile, g.halo, g.cols, g.rows, g.mpp], [256, 32, 3, 3, 0.25]);
    assert.equal(g.model.name, 'tiny-usenet');
    assert.equal(g.model.provider, 'cpu');
  });

  test('the nuclei of a rectangle are the union of those of its quadrants, whatever the order', async () => {
    const R = { x: 100, y: 60, w: 600, h: 560 };
    const mx = R.x + 290;
    const my = R.y + 230;
    const quads = [
      [R.x, R.y, mx - R.x, my - R.y],
      [mx, R.y, R.x + R.w - mx, my - R.y],
      [R.x, my, mx - R.x, R.y + R.h - my],
      [mx, my, R.x + R.w - mx, R.y + R.h - my],
    ] as const;
    const whole = byId((await nuclei(main, 'tissue', R.x, R.y, R.w, R.h)).features);
    assert.ok(whole.size >= 20, `expected some nuclei, got ${whole.size}`);
    const union: NucleusFeature[] = [];
    for (const q of quads) union.push(...(await nuclei(main, 'tissue', ...q)).features);
    const u = byId(union);
    assert.deepEqual([...u.keys()].sort(), [...whole.keys()].sort());
    for (const [id, f] of whole) assert.deepEqual(u.get(id), f);
    // Nuclei cross the compute grid's seams (at 256 and 512) and are still whole, once.
    const seam = [...whole.values()].filter((f) => {
      const xs = f.geometry.coordinates[0].map((p) => p[0]);
      return Math.min(...xs) < 256 && Math.max(...xs) > 256;
    });
    assert.ok(seam.length > 0, 'some nucleus straddles a compute tile seam');

    // A second server with a cold cache, asked in the reverse order, answers the same.
    const other = await start();
    try {
      const rev: NucleusFeature[] = [];
      for (const q of [...quads].reverse()) rev.push(...(await nuclei(other, 'tissue', ...q)).features);
      const again = byId((await nuclei(other, 'tissue', R.x, R.y, R.w, R.h)).features);
      assert.deepEqual(byId(rev), u);
      assert.deepEqual(again, whole);
    } finally {
      await stop(other);
    }
  });

  test('a threshold change re-runs post-processing only', async () => {
    const atStart = await metric(main, 'nucleilens_compute_tiles_inferred_total');
    const a = await nuclei(main, 'tissue', 0, 0, 512, 512);
    const inferred = await metric(main, 'nucleilens_compute_tiles_inferred_total');
    const b = await nuclei(main, 'tissue', 0, 0, 512, 512, '&maskThreshold=0.8&minArea=80');
    assert.equal(await metric(main, 'nucleilens_compute_tiles_inferred_total'), inferred, 'no new inference');
    assert.ok(inferred >= atStart);
    assert.ok(a.features.length > 0);
    assert.notDeepEqual(a, b);
    assert.ok((await metric(main, 'nucleilens_prob_cache_hits_total')) > 0);
  });

  test('with the paper recipe, a mask-threshold change reuses the marker watershed; a marker change does not', async () => {
    const hits0 = await metric(main, 'nucleilens_marker_cut_hits_total');
    const misses0 = await metric(main, 'nucleilens_marker_cut_misses_total');
    await nuclei(main, 'tissue', 0, 0, 512, 512, '&recipe=paper&maskThreshold=0.3&markerThreshold=0.4');
    const misses1 = await metric(main, 'nucleilens_marker_cut_misses_total');
    assert.ok(misses1 > misses0, 'the first paper run computes the cut');
    const reused = await nuclei(main, 'tissue', 0, 0, 512, 512, '&recipe=paper&maskThreshold=0.6&markerThreshold=0.4');
    assert.ok((await metric(main, 'nucleilens_marker_cut_hits_total')) > hits0, 'a mask change reuses it');
    assert.equal(await metric(main, 'nucleilens_marker_cut_misses_total'), misses1);
    await nuclei(main, 'tissue', 0, 0, 512, 512, '&recipe=paper&maskThreshold=0.6&markerThreshold=0.7');
    assert.ok((await metric(main, 'nucleilens_marker_cut_misses_total')) > misses1, 'a marker change computes a new cut');
    // What the reused cut gave is what a fresh server computes for the same parameters.
    const fresh = await start();
    try {
      assert.deepEqual(await nuclei(fresh, 'tissue', 0, 0, 512, 512, '&recipe=paper&maskThreshold=0.6&markerThreshold=0.4'), reused);
    } finally {
      await stop(fresh);
    }
  });

  test('a browser re-running post-processing on /probs gets the /nuclei answer, hematoxylin within its 0.02 OD steps', async () => {
    const rect = { x: 300, y: 200, width: 300, height: 200 };
    const listing = await getJson<{ tile: number; halo: number; tiles: { col: number; row: number; core: Rect; region: Rect; url: string }[] }>(
      main,
      `/slides/tissue/probs?x=${rect.x}&y=${rect.y}&w=${rect.width}&h=${rect.height}`,
    );
    assert.equal(listing.tiles.length, 4);
    const g = await getJson<{ model: { postprocess: PostprocessParams } }>(main, '/slides/tissue/grid');
    const grid = computeGrid(SIZE, SIZE, listing.tile, listing.halo);
    /** Outline -> mean hematoxylin, as the browser would measure them. */
    const mine = new Map<string, number | undefined>();
    for (const t of listing.tiles) {
      const res = await fetch(`${main.base}${t.url}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [t.region.width, t.region.height, 3]);
      const { mask, marker, hematoxylin } = splitProbPixels(data, info.width, info.height, 3);
      assert.ok(hematoxylin.data.some((v) => v > 0.1), 'the blue channel carries hematoxylin');
      const labels = postprocess(mask, marker, g.model.postprocess);
      for (const inst of measureNuclei(labels, { offset: { x: t.region.x, y: t.region.y }, hematoxylin })) {
        const inRect = inst.centroid.x >= rect.x && inst.centroid.x < rect.x + rect.width && inst.centroid.y >= rect.y && inst.centroid.y < rect.y + rect.height;
        if (inRect && cellOwns(grid, t, inst)) mine.set(JSON.stringify(inst.outline), inst.meanHematoxylin);
      }
    }
    const features = (await nuclei(main, 'tissue', rect.x, rect.y, rect.width, rect.height)).features;
    assert.deepEqual([...mine.keys()].sort(), features.map((f) => JSON.stringify(f.geometry.coordinates[0])).sort());
    for (const f of features) {
      const browser = mine.get(JSON.stringify(f.geometry.coordinates[0]));
      const exact = f.properties.measurements['Hematoxylin OD mean'];
      assert.ok(browser !== undefined && Math.abs(browser - exact) <= 0.01 + 1e-6, `hematoxylin ${browser} vs ${exact}`);
    }
  });

  test('GeoJSON answers carry QuPath measurements', async () => {
    const fc = await nuclei(main, 'tissue', 0, 0, 256, 256);
    assert.equal(fc.type, 'FeatureCollection');
    const f = fc.features[0];
    assert.equal(f.properties.objectType, 'detection');
    for (const k of ['Area', 'Perimeter', 'Eccentricity', 'Solidity']) assert.ok(k in f.properties.measurements, `${k} in ${Object.keys(f.properties.measurements)}`);
    assert.ok(Object.keys(f.properties.measurements).some((k) => /hematoxylin/i.test(k)), 'a hematoxylin measurement');
  });

  test('overlay tiles: transparent PNGs on the DeepZoom grid, outline or fill, coloured by instance or measurement', async () => {
    // 768 px: DeepZoom level 10 is 1:1; tile 1_1 covers x, y 253..509.
    const counts: number[] = [];
    for (const q of ['', '?style=fill', '?style=fill&color=area', '?color=eccentricity']) {
      const res = await fetch(`${main.base}/slides/tissue/overlay_files/10/1_1.png${q}`);
      assert.equal(res.status, 200, q);
      const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [256, 256, 4]);
      let opaque = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) opaque++;
      counts.push(opaque);
    }
    assert.ok(counts[0] > 0 && counts[1] > counts[0], `fill covers more than outline: ${counts}`);
    const coarse = await fetch(`${main.base}/slides/tissue/overlay_files/5/0_0.png`);
    assert.equal(coarse.status, 200);
    const bad = await fetch(`${main.base}/slides/tissue/overlay_files/10/1_1.png?color=rainbow`);
    assert.equal(bad.status, 400);
  });

  test('bad input: JSON 4xx naming the problem, and the server keeps serving', async () => {
    const cases: [string, number][] = [
      ['/slides/tissue/nuclei?x=abc&y=0&w=10&h=10', 400],
      ['/slides/tissue/nuclei?x=-5&y=0&w=10&h=10', 400],
      ['/slides/tissue/nuclei?x=0&y=0&w=0&h=10', 400],
      ['/slides/tissue/nuclei?x=0&y=0&w=100000&h=100000', 413],
      ['/slides/tissue/nuclei?x=5000&y=0&w=10&h=10', 400],
      ['/slides/tissue/nuclei?x=0&y=0&w=10&h=10&maskThreshold=2', 400],
      ['/slides/tissue/nuclei?x=0&y=0&w=10&h=10&recipe=magic', 400],
      ['/slides/nope/nuclei?x=0&y=0&w=10&h=10', 404],
      ['/slides/..%2Fetc/nuclei?x=0&y=0&w=10&h=10', 400],
      ['/slides/broken/nuclei?x=0&y=0&w=10&h=10', 422],
      ['/slides/tissue/probs/9_9.png', 404],
      ['/slides/tissue/probs/a_b.png', 400],
      ['/jobs/nope', 404],
    ];
    for (const [path, status] of cases) {
      const res = await fetch(`${main.base}${path}`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.status, status, `${path}: ${JSON.stringify(body)}`);
      assert.ok(body.error.message.length > 0);
    }
    assert.equal((await nuclei(main, 'tissue', 0, 0, 64, 64)).type, 'FeatureCollection');
  });

  test('503 with Retry-After when the inference queue is full; dropped work never runs', async () => {
    const busy = await start({ maxQueuedTiles: 1 });
    try {
      const res = await fetch(`${busy.base}/slides/again/nuclei?x=0&y=0&w=768&h=768`);
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BUSY');
      assert.ok((await metric(busy, 'nucleilens_inference_refused_total')) >= 1);
      // The refused request's other queued tiles were dropped, not inferred.
      await new Promise((ok) => setTimeout(ok, 200));
      assert.ok((await metric(busy, 'nucleilens_inference_dropped_total')) >= 1);
      // Small requests still work.
      assert.equal((await nuclei(busy, 'again', 0, 0, 200, 200)).type, 'FeatureCollection');
    } finally {
      await stop(busy);
    }
  });
});

/** Reads SSE events until a terminal one. */
async function followJob(r: Running, id: string, onProgress?: (s: JobSummary) => boolean): Promise<{ events: string[]; last: JobSummary }> {
  const ac = new AbortController();
  const res = await fetch(`${r.base}/jobs/${id}/events`, { signal: ac.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const decoder = new TextDecoder();
  let buf = '';
  const events: string[] = [];
  let last: JobSummary | undefined;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (!event || !data) continue;
        events.push(event);
        last = JSON.parse(data) as JobSummary;
        if (event !== 'progress' || onProgress?.(last)) {
          ac.abort();
          return { events, last };
        }
      }
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  }
  assert.ok(last, 'some event');
  return { events, last };
}

describe('whole-slide jobs', () => {
  test('POST runs every tissue tile with SSE progress; results answer /nuclei and export', async () => {
    const res = await fetch(`${main.base}/slides/tissue/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 202);
    const job = (await res.json()) as JobSummary;
    assert.equal(res.headers.get('location'), `/jobs/${job.id}`);
    const { events, last } = await followJob(main, job.id);
    assert.equal(last.status, 'done', JSON.stringify(last));
    assert.equal(events.at(-1), 'done');
    assert.ok(last.tilesTotal >= 1 && last.tilesTotal <= 9);
    assert.equal(last.tilesDone, last.tilesTotal);
    const polled = await getJson<JobSummary>(main, `/jobs/${job.id}`);
    assert.equal(polled.status, 'done');

    const fromStoreBefore = await metric(main, 'nucleilens_compute_tiles_from_store_total');
    const all = await nuclei(main, 'tissue', 0, 0, SIZE, SIZE);
    assert.ok((await metric(main, 'nucleilens_compute_tiles_from_store_total')) > fromStoreBefore, 'answered from the database');
    const exported = (await getJson<Fc>(main, '/slides/tissue/export.geojson')).features;
    assert.equal(exported.length, last.nuclei);
    // Every stored nucleus is one /nuclei reports (tiles without tissue are not stored).
    const ids = byId(all.features);
    for (const f of exported) assert.deepEqual(ids.get(f.id), f);
    const csv = await (await fetch(`${main.base}/slides/tissue/export.csv`)).text();
    const lines = csv.trim().split('\n');
    assert.match(lines[0], /^id,centroid_x,centroid_y/);
    assert.equal(lines.length, exported.length + 1);
    // A second POST while nothing runs starts a new run that finds every tile finished.
    const again = (await (await fetch(`${main.base}/slides/tissue/jobs`, { method: 'POST' })).json()) as JobSummary;
    const done = await followJob(main, again.id);
    assert.equal(done.last.tilesResumed, done.last.tilesTotal);
  });

  test('DELETE cancels; a restart resumes without redoing finished tiles', async () => {
    const cacheDir = join(cacheRoot, 'resume');
    const first = await start({ cacheDir });
    let job: JobSummary;
    try {
      job = (await (await fetch(`${first.base}/slides/resume/jobs`, { method: 'POST' })).json()) as JobSummary;
      // Stop the server (as a crash or restart would) once some tiles are stored.
      const seen = await followJob(first, job.id, (s) => s.tilesDone >= 2);
      assert.equal(seen.last.status, 'running');
    } finally {
      await stop(first);
    }
    const record = JSON.parse(await readFile(join(cacheDir, 'jobs', `${job.id}.json`), 'utf8')) as JobSummary;
    assert.equal(record.status, 'running', 'the record stays resumable');

    const second = await start({ cacheDir });
    try {
      const { last } = await followJob(second, job.id);
      assert.equal(last.status, 'done', JSON.stringify(last));
      assert.ok(last.tilesResumed >= 2, `resumed ${last.tilesResumed}`);
      const inferred = await metric(second, 'nucleilens_compute_tiles_inferred_total');
      const fromDisk = await metric(second, 'nucleilens_prob_cache_disk_hits_total');
      assert.equal(inferred + fromDisk, last.tilesTotal - last.tilesResumed, 'only unfinished tiles were computed');
      // The resumed run stored the same nuclei as an uninterrupted one (the same pixels as "tissue").
      const resumed = (await getJson<Fc>(second, '/slides/resume/export.geojson')).features.map((f) => JSON.stringify(f.geometry));
      const whole = (await getJson<Fc>(main, '/slides/tissue/export.geojson')).features.map((f) => JSON.stringify(f.geometry));
      assert.deepEqual(resumed.sort(), whole.sort());

      // Cancel: a new run on another slide, cancelled at once.
      const run = (await (await fetch(`${second.base}/slides/again/jobs`, { method: 'POST' })).json()) as JobSummary;
      const del = await fetch(`${second.base}/jobs/${run.id}`, { method: 'DELETE' });
      assert.equal(del.status, 200);
      const { last: cancelled } = await followJob(second, run.id);
      assert.ok(['cancelled', 'done'].includes(cancelled.status), cancelled.status);
    } finally {
      await stop(second);
    }
  });

  test('export before any run is a 404', async () => {
    const res = await fetch(`${main.base}/slides/again/export.csv`);
    assert.equal(res.status, 404);
  });
});

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
