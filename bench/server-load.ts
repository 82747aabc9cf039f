/**
 * Load on a real `nucleilens serve` (loopback only, bounded durations):
 * 1. autocannon, 32 connections, against cached DeepZoom tiles: requests/s, p50, p99;
 * 2. the same against cached /nuclei queries;
 * 3. 200 concurrent uncached overlay tiles at once (each needing compute tiles that were
 *    never inferred): every answer must be 200 or 503 (queue full, with Retry-After), the
 *    server must survive, and its peak RSS stay under 2 GB.
 * Usage: node build/bench/server-load.js [--size PX] [--seconds S]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { benchModel, hit, startServer, writeBenchSlide } from './server-kit.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const size = arg('size', 4096);
const seconds = arg('seconds', 10);
const CONNECTIONS = 32;

async function cannon(title: string, base: string, paths: readonly string[]): Promise<void> {
  const r = await autocannon({ url: base, connections: CONNECTIONS, duration: seconds, requests: paths.map((path) => ({ method: 'GET', path })) });
  console.log(
    `${title}: ${r.requests.average.toFixed(0)} req/s (${r.requests.total} in ${seconds} s, ${CONNECTIONS} connections), ` +
      `latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'nucleilens-bench-load-'));
try {
  const from = await writeBenchSlide(join(dir, 'bench.svs'), size);
  const { model, label } = await benchModel();
  console.log(`slide: ${size}x${size} SVS-like (${from}); model: ${label}`);
  const server = await startServer(['--slides', dir, '--model', model, '--cache-dir', join(dir, 'cache')]);
  let crashed = false;
  server.child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') crashed = true;
  });
  try {
    const maxLevel = Math.ceil(Math.log2(size));
    // 1. Cached DeepZoom tiles: 16 tiles at full resolution, fetched once first.
    const tiles = Array.from({ length: 16 }, (_, i) => `/slides/bench_files/${maxLevel}/${i % 4}_${Math.floor(i / 4)}.jpeg`);
    for (const p of tiles) if ((await hit(server.base + p)) !== 200) throw new Error(`${p} failed`);
    await cannon('cached DeepZoom tiles', server.base, tiles);

    // 2. Cached nuclei queries: four 512 px viewports (4 compute tiles, inferred once first).
    const views = [0, 1, 2, 3].map((i) => `/slides/bench/nuclei?x=${256 + 256 * (i % 2)}&y=${256 + 256 * (i >> 1)}&w=512&h=512`);
    for (const p of views) if ((await hit(server.base + p)) !== 200) throw new Error(`${p} failed`);
    await cannon('cached /nuclei queries', server.base, views);

    // 3. 200 concurrent uncached overlay tiles, far from everything computed so far.
    const per = Math.ceil(size / 254);
    const overlay: string[] = [];
    for (let row = 4; row < per && overlay.length < 200; row++) {
      for (let col = 0; col < per && overlay.length < 200; col++) overlay.push(`/slides/bench/overlay_files/${maxLevel}/${col}_${row}.png`);
    }
    const started = performance.now();
    const statuses = await Promise.all(
      overlay.map(async (p) => {
        try {
          return await hit(server.base + p);
        } catch {
          return -1;
        }
      }),
    );
    const ms = performance.now() - started;
    const counts = new Map<number, number>();
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
    const alive = (await hit(`${server.base}/healthz`)) === 200 && !crashed;
    const shown = [...counts].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s === -1 ? 'network error' : s}: ${n}`).join(', ');
    console.log(`${overlay.length} concurrent uncached overlay tiles in ${(ms / 1000).toFixed(1)} s: ${shown}; server alive: ${alive}`);
    const ok = [...counts.keys()].every((s) => s === 200 || s === 503);
    const rss = await server.stop();
    console.log(`server peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB (limit 2048 MiB): ${rss < 2 * 2 ** 30 ? 'ok' : 'OVER'}; only 200/503: ${ok ? 'yes' : 'NO'}`);
    if (!ok || !alive || !(rss < 2 * 2 ** 30)) process.exitCode = 1;
  } catch (err) {
    await server.stop();
    throw err;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
