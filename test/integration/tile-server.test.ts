/**
 * The tile server over real HTTP on 127.0.0.1 (ephemeral port): DeepZoom, IIIF, ETags,
 * CORS, metrics, and the answers to bad input, with slides of every format written in the
 * test (an SVS-like file among them), a truncated slide and a symlink leading outside.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { cropRgb } from '@nucleilens/pipeline';
import { createServer, type NucleiLensServer } from '@nucleilens/server';
import { meanAbsDiff, writeSlideFixtures, writeTruncated } from '../fixtures/slides.js';

const made = await writeSlideFixtures();
const outside = await mkdtemp(join(tmpdir(), 'nucleilens-outside-'));
const logs: string[] = [];
let server: NucleiLensServer;
let http: Server;
let base: string;

before(async () => {
  await writeTruncated(join(made.dir, 'chained.tif'), join(made.dir, 'broken.tif'), 0.6);
  await writeFile(join(outside, 'secret.png'), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer());
  await symlink(join(outside, 'secret.png'), join(made.dir, 'escape.png'));
  server = createServer({
    slidesDir: made.dir,
    maxRegionPixels: 1_000_000,
    cors: ['http://viewer.example'],
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
  });
  http = createHttpServer(server.app);
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  const addr = http.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

after(async () => {
  http.closeAllConnections();
  await new Promise<void>((ok) => http.close(() => ok()));
  await server.close();
  await rm(made.dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function get(path: string, init?: RequestInit) {
  return fetch(`${base}${path}`, init);
}

async function image(path: string) {
  const res = await get(path);
  assert.equal(res.status, 200, `${path}: ${res.status} ${res.status !== 200 ? await res.text() : ''}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const meta = await sharp(bytes).metadata();
  return { res, bytes, meta };
}

async function errorOf(path: string, status: number, code?: string) {
  const res = await get(path);
  assert.equal(res.status, status, `${path}: got ${res.status}`);
  assert.match(res.headers.get('content-type') ?? '', /json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.ok(body.error.message.length > 0);
  if (code) assert.equal(body.error.code, code, body.error.message);
  return body.error;
}

describe('tile server over HTTP', () => {
  test('health and slide list, with an unreadable slide reported in place', async () => {
    assert.deepEqual(await (await get('/healthz')).json(), { status: 'ok', slidesOpen: 0 });
    const list = (await (await get('/slides')).json()) as { id: string; format?: string; error?: { status: number } }[];
    const ids = list.map((s) => s.id);
    for (const id of ['aperio', 'chained', 'ome.ome', 'plain', 'vips-pyramid', 'broken']) assert.ok(ids.includes(id), `${id} in ${ids}`);
    assert.equal(list.find((s) => s.id === 'aperio')?.format, 'aperio-svs');
    assert.equal(list.find((s) => s.id === 'broken')?.error?.status, 422);
    const info = (await (await get('/slides/aperio')).json()) as { mpp: number; magnification: number; width: number };
    assert.equal(info.mpp, 0.252);
    assert.equal(info.magnification, 40);
    assert.equal(info.width, 700);
  });

  test('DZI descriptor', async () => {
    const res = await get('/slides/vips-pyramid.dzi');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /xml/);
    const xml = await res.text();
    assert.match(xml, /TileSize="254" Overlap="1" Format="jpeg"/);
    assert.match(xml, /<Size Width="700" Height="500"\/>/);
  });

  test('DeepZoom tiles decode to the expected sizes in every format', async () => {
    // Level 10 is 1:1 (ceil(log2 700) = 10); tile (2, 1) spans x 507..700, y 253..500.
    assert.deepEqual(
      [(await image('/slides/vips-pyramid_files/10/0_0.jpeg')).meta].map((m) => [m.format, m.width, m.height]),
      [['jpeg', 255, 255]],
    );
    const png = (await image('/slides/aperio_files/10/2_1.png')).meta;
    assert.deepEqual([png.format, png.width, png.height], ['png', 193, 247]);
    const webp = (await image('/slides/ome.ome_files/9/1_0.webp')).meta;
    assert.deepEqual([webp.format, webp.width, webp.height], ['webp', 97, 250]);
    const top = (await image('/slides/plain_files/0/0_0.jpeg')).meta;
    assert.deepEqual([top.width, top.height], [1, 1]);
  });

  test('a full-resolution tile shows the slide pixels', async () => {
    const { bytes } = await image('/slides/aperio_files/10/1_0.png');
    const raw = await sharp(bytes).removeAlpha().raw().toBuffer();
    const ref = cropRgb(made.source, 253, 0, 256, 255);
    assert.ok(meanAbsDiff(new Uint8Array(raw), ref.data) < 6);
  });

  test('ETag and Cache-Control; If-None-Match answers 304 without a body', async () => {
    const first = await get('/slides/chained_files/9/0_0.jpeg');
    assert.equal(first.status, 200);
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    assert.ok(etag && /^"[^"]+"$/.test(etag));
    assert.match(first.headers.get('cache-control') ?? '', /max-age=\d+/);
    const again = await get('/slides/chained_files/9/0_0.jpeg', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
    const other = await get('/slides/chained_files/9/1_0.jpeg', { headers: { 'If-None-Match': etag } });
    assert.equal(other.status, 200);
    assert.notEqual(other.headers.get('etag'), etag);
    await other.arrayBuffer();
  });

  test('IIIF info.json and region requests', async () => {
    const res = await get('/iiif/aperio/info.json');
    assert.equal(res.status, 200);
    const info = (await res.json()) as Record<string, unknown>;
    assert.equal(info['@context'], 'http://iiif.io/api/image/3/context.json');
    assert.equal(info.type, 'ImageService3');
    assert.equal(info.profile, 'level1');
    assert.equal(info.id, `${base}/iiif/aperio`);
    assert.deepEqual([info.width, info.height], [700, 500]);
    const region = (await image('/iiif/aperio/100,50,400,300/200,/0/default.jpg')).meta;
    assert.deepEqual([region.format, region.width, region.height], ['jpeg', 200, 150]);
    const full = (await image('/iiif/vips-pyramid/full/max/0/default.png')).meta;
    assert.deepEqual([full.width, full.height], [700, 500]);
    const confined = (await image('/iiif/vips-pyramid/full/!100,100/0/default.webp')).meta;
    assert.deepEqual([confined.format, confined.width, confined.height], ['webp', 100, 71]);
    const turned = (await image('/iiif/ome.ome/square/,120/90/gray.png')).meta;
    assert.deepEqual([turned.width, turned.height, turned.channels], [120, 120, 1]);
    const rotated = (await image('/iiif/chained/0,0,200,100/max/270/default.jpg')).meta;
    assert.deepEqual([rotated.width, rotated.height], [100, 200]);
  });

  test('bad parameters are JSON 400s, missing things 404s, huge regions 413', async () => {
    await errorOf('/slides/vips-pyramid_files/abc/0_0.jpeg', 400, 'INVALID_ARGUMENT');
    await errorOf('/slides/vips-pyramid_files/-1/0_0.jpeg', 400, 'INVALID_ARGUMENT');
    await errorOf('/slides/vips-pyramid_files/10/0_-3.jpeg', 400, 'INVALID_ARGUMENT');
    await errorOf('/slides/vips-pyramid_files/10/0_0.gif', 400, 'INVALID_ARGUMENT');
    await errorOf('/slides/vips-pyramid_files/11/0_0.jpeg', 404, 'NOT_FOUND');
    await errorOf('/slides/vips-pyramid_files/10/9_0.jpeg', 404, 'NOT_FOUND');
    await errorOf('/iiif/aperio/-5,0,10,10/max/0/default.jpg', 400);
    await errorOf('/iiif/aperio/0,0,10,10/max/45/default.jpg', 400);
    await errorOf('/iiif/aperio/0,0,10,10/20,/0/default.jpg', 400);
    await errorOf('/iiif/aperio/full/max/0/default.gif', 400);
    await errorOf('/iiif/aperio/full/^2000,2000/0/default.jpg', 413);
    await errorOf('/slides/nope.dzi', 404, 'NOT_FOUND');
    await errorOf('/iiif/nope/info.json', 404, 'NOT_FOUND');
  });

  test('path traversal and symlink escape are refused', async () => {
    await errorOf('/slides/..%2F..%2Fetc%2Fpasswd.dzi', 400, 'INVALID_ARGUMENT');
    await errorOf('/iiif/..%2Fsecret/info.json', 400, 'INVALID_ARGUMENT');
    await errorOf('/slides/%2Fetc%2Fpasswd_files/0/0_0.jpeg', 400, 'INVALID_ARGUMENT');
    await errorOf('/slides/escape.dzi', 400, 'INVALID_ARGUMENT');
  });

  test('a corrupt slide answers 422, is logged once, and the others keep serving', async () => {
    const e1 = await errorOf('/slides/broken.dzi', 422, 'CORRUPT_INPUT');
    assert.match(e1.message, /broken\.tif/);
    await errorOf('/slides/broken_files/9/0_0.jpeg', 422);
    await errorOf('/iiif/broken/info.json', 422);
    assert.equal(logs.filter((l) => l.includes('broken')).length, 1, logs.join('\n'));
    const ok = await image('/slides/chained_files/10/0_0.jpeg');
    assert.equal(ok.meta.width, 255);
  });

  test('CORS for allowed origins only, with preflight', async () => {
    const allowed = await get('/slides/plain.dzi', { headers: { Origin: 'http://viewer.example' } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://viewer.example');
    assert.match(allowed.headers.get('access-control-expose-headers') ?? '', /ETag/);
    await allowed.text();
    const other = await get('/slides/plain.dzi', { headers: { Origin: 'http://elsewhere.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    await other.text();
    const pre = await get('/slides/plain_files/0/0_0.jpeg', {
      method: 'OPTIONS',
      headers: { Origin: 'http://viewer.example', 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(pre.status, 204);
  });

  test('metrics in Prometheus text', async () => {
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(text, /# TYPE nucleilens_tile_duration_seconds histogram/);
    assert.match(text, /nucleilens_tile_duration_seconds_bucket\{route="deepzoom",cache="miss",le="\+Inf"\} \d+/);
    assert.match(text, /nucleilens_tile_duration_seconds_count\{route="deepzoom",cache="not-modified"\} 1/);
    assert.match(text, /nucleilens_decoded_tile_cache_hits_total \d+/);
    assert.match(text, /nucleilens_http_requests_total\{route="\/slides\/:dir\/:level\/:tile",status="404"\} 2/);
  });
});
