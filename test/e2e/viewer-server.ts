/**
 * The real NucleiLens server on 127.0.0.1 over a generated slide, for the viewer's browser
 * tests and benchmark, with every request it receives recorded (so a test can prove that a
 * slider drag sent none).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { writeRgb } from '@nucleilens/pipeline';
import { createServer } from '@nucleilens/server';
import { syntheticNucleiImage } from './synthetic-slide.js';

/** The tiny stand-in model the tests infer with (same I/O contract as USE-Net). */
export const TINY_MODEL = fileURLToPath(new URL('../../../test/fixtures/tiny-usenet.onnx', import.meta.url));

/** A running server. */
export interface ViewerServer {
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  /** The slide's id. */
  readonly slide: string;
  readonly width: number;
  readonly height: number;
  /** Every request received, in order: method and URL path with query. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Options of {@link startViewerServer}. */
export interface ViewerServerOptions {
  readonly width?: number;
  readonly height?: number;
  /** Nucleus spacing of the synthetic slide, px. */
  readonly spacing?: number;
  /** Model card path or name; default the tiny test fixture (fast, untrained). */
  readonly model?: string;
}

/**
 * Writes a synthetic slide into a temporary folder and serves it with the tiny model.
 * @example
 * const s = await startViewerServer();
 * // ... open `${s.base}/view/${s.slide}`
 * await s.close();
 */
export async function startViewerServer(o: ViewerServerOptions = {}): Promise<ViewerServer> {
  const width = o.width ?? 2048;
  const height = o.height ?? 1536;
  const dir = mkdtempSync(join(tmpdir(), 'nucleilens-viewer-'));
  const slide = 'synthetic';
  await writeRgb(join(dir, `${slide}.png`), syntheticNucleiImage({ width, height, spacing: o.spacing ?? 30 }).image);
  const server = createServer({ slidesDir: dir, model: o.model ?? TINY_MODEL, logger: { info() {}, warn() {}, error: (m) => process.stderr.write(`${m}\n`) } });
  const requests: string[] = [];
  const http: Server = createHttpServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    server.app(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    slide,
    width,
    height,
    requests,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
