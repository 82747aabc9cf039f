/**
 * `nucleilens serve`: the tile server on a slide folder, or on the built-in demo slide
 * (built once into the cache folder) when no folder is given. Binds 127.0.0.1 unless told
 * otherwise; stops cleanly on Ctrl-C.
 */
import { createServer as createHttpServer } from 'node:http';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type ExecutionProviderPreference } from '@nucleilens/pipeline';
import { createServer, ensureDemoSlide, type CorsOption } from '@nucleilens/server';
import type { Command } from '../command.js';

function parseCors(raw: string | undefined): CorsOption | undefined {
  if (raw === undefined) return undefined;
  if (raw === '*') return '*';
  const origins = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of origins) if (!/^https?:\/\/[^/\s]+$/.test(o)) throw new InvalidArgumentError(`--cors origins look like http://host:port, got "${o}"`);
  return origins;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve slides as DeepZoom and IIIF tiles (the built-in demo slide when no folder is given)',
  usage: 'nucleilens serve [--slides DIR] [--port 8000] [--host 127.0.0.1] [--cors ORIGINS] [--model NAME|PATH] [--cache-dir DIR]',
  options: {
    slides: { kind: 'string', description: 'folder of slides (default: the built-in demo slide)', placeholder: 'DIR' },
    port: { kind: 'number', description: 'TCP port, 0 for any free one (default 8000)' },
    host: { kind: 'string', description: 'address to bind (default 127.0.0.1: this machine only)', placeholder: 'HOST' },
    cors: { kind: 'string', description: "allowed origins: '*' or a comma-separated list (default none)", placeholder: 'ORIGINS' },
    'max-region-pixels': { kind: 'number', description: 'largest image one request may ask for (default 10000000)' },
    'cache-dir': { kind: 'string', description: 'where the demo slide, probability cache, result databases and job state live (default .cache)', placeholder: 'DIR' },
    model: { kind: 'string', description: 'model for nuclei: name in models/ or path to a .onnx / card .json (default: models/default.json)', placeholder: 'NAME|PATH' },
    provider: { kind: 'string', description: 'execution provider: auto (CUDA, else CPU; default), cuda or cpu', placeholder: 'auto|cuda|cpu' },
    'max-queued-tiles': { kind: 'number', description: 'compute tiles allowed to wait for inference before requests get 503 (default 32)' },
  },
  async run(args) {
    const port = args.numbers.get('port') ?? 8000;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`--port must be in 0..65535, got ${port}`);
    const host = args.strings.get('host') ?? '127.0.0.1';
    const provider = args.strings.get('provider') ?? 'auto';
    if (provider !== 'auto' && provider !== 'cuda' && provider !== 'cpu') throw new InvalidArgumentError(`--provider must be auto, cuda or cpu, got "${provider}"`);
    const cacheDir = args.strings.get('cache-dir') ?? '.cache';
    let slidesDir = args.strings.get('slides');
    if (slidesDir === undefined) {
      const dir = join(cacheDir, 'demo');
      let shown = -1;
      const demo = await ensureDemoSlide({
        dir,
        onProgress: (p) => {
          const pct = Math.floor((100 * p.rowsDone) / p.rows / 10) * 10;
          if (pct === shown) return;
          shown = pct;
          process.stderr.write(`building the demo slide (once): ${pct}% after ${(p.elapsedMs / 1000).toFixed(1)} s\n`);
        },
      });
      if (demo.built) {
        process.stderr.write(`demo slide: ${demo.path}, ${demo.nucleusCount} nuclei, built in ${(demo.buildMs / 1000).toFixed(1)} s\n`);
      }
      slidesDir = dir;
    }
    const server = createServer({
      slidesDir: resolve(slidesDir),
      cors: parseCors(args.strings.get('cors')),
      maxRegionPixels: args.numbers.get('max-region-pixels'),
      model: args.strings.get('model'),
      executionProvider: provider as ExecutionProviderPreference,
      maxQueuedTiles: args.numbers.get('max-queued-tiles'),
      cacheDir: resolve(cacheDir, 'server'),
    });
    const entries = await server.context.library.list();
    const http = createHttpServer(server.app);
    await new Promise<void>((ok, fail) => {
      http.once('error', (err: NodeJS.ErrnoException) =>
        fail(err.code === 'EADDRINUSE' ? new InvalidArgumentError(`${host}:${port} is already in use (try --port 0)`) : err),
      );
      http.listen(port, host, ok);
    });
    const addr = http.address();
    const bound = typeof addr === 'object' && addr ? addr.port : port;
    const base = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    const first = entries[0]?.id;
    process.stdout.write(
      `NucleiLens tile server at ${base}/ serving ${entries.length} slide(s) from ${slidesDir}\n` +
        `  slides:   ${base}/slides\n` +
        (first ? `  DeepZoom: ${base}/slides/${first}.dzi\n  IIIF:     ${base}/iiif/${first}/info.json\n` : '') +
        (first ? `  nuclei:   ${base}/slides/${first}/nuclei?x=0&y=0&w=512&h=512\n` : '') +
        `  health:   ${base}/healthz   metrics: ${base}/metrics\n`,
    );
    await new Promise<void>((done) => {
      const stop = () => {
        process.stderr.write('stopping\n');
        http.close(() => done());
        http.closeAllConnections();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};
