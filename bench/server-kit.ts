/**
 * Shared by the tile-server benchmarks: a bench slide (a mosaic of the MoNuSeg test images
 * when the shared data is present, else the synthetic H&E slide) written as an SVS-like
 * pyramid, and a real `nucleilens serve` child process on 127.0.0.1 whose peak RSS is
 * reported when it stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { JpegPyramidWriter, readRgb, type RgbImage } from '@nucleilens/pipeline';
import { SyntheticHe } from '@nucleilens/server';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MONUSEG_TEST = `${REPO_ROOT}../shared/data/monuseg/test/images`;

/** The model the benches use: the shipped default when installed, else the tiny test fixture. */
export async function benchModel(): Promise<{ model: string; label: string }> {
  const files = await readdir(`${REPO_ROOT}models`).catch(() => [] as string[]);
  if (files.includes('default.json')) return { model: 'default', label: 'models/default.json' };
  return { model: `${REPO_ROOT}test/fixtures/tiny-usenet.json`, label: 'tiny test fixture (models/default.json not installed)' };
}

/**
 * Writes a `size` x `size` SVS-like slide to `path`.
 * @returns where its pixels came from
 */
export async function writeBenchSlide(path: string, size: number): Promise<string> {
  const names = (await readdir(MONUSEG_TEST).catch(() => [] as string[])).filter((f) => f.endsWith('.png')).sort();
  const images: RgbImage[] = [];
  for (const n of names) images.push(await readRgb(`${MONUSEG_TEST}/${n}`));
  const synthetic = images.length === 0 ? new SyntheticHe({ width: size, height: size, seed: 5 }) : undefined;
  const w = await JpegPyramidWriter.create(path, { width: size, height: size, tileSize: 256, mpp: 0.25, magnification: 40, quality: 90, layout: 'aperio-svs' });
  const BAND = 256;
  for (let y = 0; y < size; y += BAND) {
    const h = Math.min(BAND, size - y);
    let band: RgbImage;
    if (synthetic) band = synthetic.renderBand(y, h);
    else {
      // Mosaic of 1000 px images, row-major, cycling through the set.
      const data = new Uint8Array(size * h * 3);
      for (let r = 0; r < h; r++) {
        const gy = y + r;
        for (let x0 = 0; x0 < size; x0 += 1000) {
          const img = images[(Math.floor(gy / 1000) * Math.ceil(size / 1000) + x0 / 1000) % images.length];
          const sy = gy % 1000;
          const n = Math.min(1000, size - x0, img.width);
          data.set(img.data.subarray(sy * img.width * 3, (sy * img.width + n) * 3), (r * size + x0) * 3);
        }
      }
      band = { width: size, height: h, data };
    }
    await w.writeBand(band);
  }
  await w.close();
  return synthetic ? 'synthetic H&E' : `mosaic of ${images.length} MoNuSeg test images`;
}

/** A running `nucleilens serve`. */
export interface BenchServer {
  readonly base: string;
  readonly child: ChildProcess;
  /** Stops the server; resolves to its peak RSS in bytes. */
  stop(): Promise<number>;
}

/** Starts `nucleilens serve` on a free loopback port with `args` (peak RSS measured by bench/peak-rss-runner). */
export async function startServer(args: readonly string[]): Promise<BenchServer> {
  const runner = fileURLToPath(new URL('./peak-rss-runner.js', import.meta.url));
  const child = spawn(process.execPath, [runner, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /tile server at (http:\/\/[^/\s]+)\//.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${stderr}`)));
  });
  return {
    base,
    child,
    stop: () =>
      new Promise<number>((resolve) => {
        child.once('exit', () => resolve(Number(/PEAK_RSS_KB (\d+)/.exec(stderr)?.[1] ?? NaN) * 1024));
        child.kill('SIGTERM');
      }),
  };
}

/** Fetches and drains `url`; resolves to the status. */
export async function hit(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}
