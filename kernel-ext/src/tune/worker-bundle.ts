/**
 * The tuner's browser code as one script: tune/tuner-worker.js and the pipeline's
 * post-processing it imports, bundled by esbuild on first use and kept for the session.
 * Bundling the compiled pipeline module means the widget runs exactly the code the kernel,
 * server and viewer run.
 */
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

let cached: string | undefined;

/**
 * The bundled worker source (an IIFE that defines `NucleiLensTuner` and, in a worker,
 * answers messages).
 * @throws {Error} when esbuild cannot bundle (a broken build of the pipeline).
 * @example
 * const js = tunerWorkerSource();
 */
export function tunerWorkerSource(): string {
  if (cached === undefined) {
    const entry = fileURLToPath(new URL('./tuner-worker.js', import.meta.url));
    const out = buildSync({ entryPoints: [entry], bundle: true, format: 'iife', platform: 'browser', target: 'es2020', minify: true, write: false, logLevel: 'silent' });
    cached = out.outputFiles[0].text;
  }
  return cached;
}
