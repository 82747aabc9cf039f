/** connect(url) against a stub of the server's documented routes on 127.0.0.1. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, ServerRequestError } from '@nucleilens/kernel-ext';
import { encodeRgb } from '@nucleilens/pipeline';

/** A 64x32 slide; one compute grid of 32 px cores with an 8 px halo; probabilities R = x, G = y. */
async function stubServer(): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const rgb = (w: number, h: number, f: (x: number, y: number) => [number, number, number]) => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(f(x, y), 3 * (y * w + x));
    return encodeRgb({ width: w, height: h, data }, 'png');
  };
  const info = { id: 's1', width: 64, height: 32, mpp: 0.5 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${url.pathname}${url.search}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const png = async (w: number, h: number, f: (x: number, y: number) => [number, number, number]) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(await rgb(w, h, f));
    };
    if (url.pathname === '/slides') return json(200, [info]);
    if (url.pathname === '/slides/s1') return json(200, info);
    if (url.pathname === '/slides/nope') return json(404, { error: { code: 'NOT_FOUND', message: 'no slide nope' } });
    const iiif = /^\/iiif\/s1\/(\d+),(\d+),(\d+),(\d+)\/max\/0\/default\.png$/.exec(url.pathname);
    if (iiif) return void png(Number(iiif[3]), Number(iiif[4]), () => [10, 20, 30]);
    if (url.pathname === '/slides/s1/probs') {
      const base = `http://${req.headers.host}`;
      return json(200, {
        tile: 32,
        halo: 8,
        tiles: [0, 1].map((col) => ({
          col,
          row: 0,
          core: { x: 32 * col, y: 0, width: 32, height: 32 },
          region: { x: Math.max(0, 32 * col - 8), y: 0, width: col === 0 ? 40 : 40, height: 32 },
          url: `${base}/slides/s1/probs/${col}_0.png`,
        })),
      });
    }
    const tile = /^\/slides\/s1\/probs\/(\d)_0\.png$/.exec(url.pathname);
    if (tile) {
      const x0 = tile[1] === '0' ? 0 : 24;
      return void png(40, 32, (x, y) => [x0 + x, y, 0]);
    }
    if (url.pathname === '/slides/s1/nuclei') {
      return json(200, { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { measurements: { Area: 12, Eccentricity: 0.5 } } }] });
    }
    json(404, { error: { code: 'NOT_FOUND', message: 'no route' } });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

test('connect: slides, a region, probabilities from the owning tiles, nuclei, errors', async () => {
  const { server, url, seen } = await stubServer();
  try {
    const client = connect(url);
    const slides = await client.slides();
    assert.deepEqual(slides.rows, [{ id: 's1', width: 64, height: 32, mpp: 0.5 }]);
    const rect = { x: 20, y: 4, width: 24, height: 8 };
    const pic = await client.region('s1', rect);
    assert.deepEqual([pic.width, pic.height, pic.info.mpp, pic.info.origin], [24, 8, 0.5, { x: 20, y: 4 }]);
    const probs = await client.probabilities('s1', rect);
    // every pixel's mask value is its slide x, marker value its slide y, whichever tile owns it
    for (const [x, y] of [[20, 4], [31, 11], [32, 4], [43, 11]]) {
      const i = (y - rect.y) * rect.width + (x - rect.x);
      assert.deepEqual([probs.mask.data[i], probs.marker.data[i]], [x, y], `pixel ${x},${y}`);
    }
    assert.ok(probs.info.picture);
    const nuclei = await client.nuclei('s1', rect, { maskThreshold: 0.3, minNucleusArea: 20 });
    assert.equal(nuclei.features.length, 1);
    assert.deepEqual(nuclei.rows, [{ Area: 12, Eccentricity: 0.5 }]);
    assert.ok(seen.includes('/slides/s1/nuclei?x=20&y=4&w=24&h=8&maskThreshold=0.3&minArea=20'));
    const err = await client.slide('nope').catch((e: unknown) => e);
    assert.ok(err instanceof ServerRequestError);
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.status, 404);
    assert.match(err.message, /no slide nope/);
  } finally {
    server.close();
  }
});
