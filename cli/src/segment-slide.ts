/**
 * `nucleilens segment --slide FILE`: a whole-slide run in this process, the same job the
 * server runs for `POST /slides/:id/jobs` (tissue detection, every tissue compute tile,
 * results in the slide's SQLite database under the cache folder), with a progress bar.
 * Interrupted (Ctrl-C) and started again with the same options, it resumes where it stopped.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { InvalidArgumentError, NotFoundError, NucleiLensError, type ExecutionProviderPreference } from '@nucleilens/pipeline';
import { createServer, exportResults, isTerminal, type ExportFormat, type JobSummary, type ServerLogger } from '@nucleilens/server';
import { requireString, type OptionSpecs, type ParsedArgs } from './args.js';
import { createProgressBar } from './progress-bar.js';

/** Options only the slide mode of `segment` has. */
export const SLIDE_OPTIONS: OptionSpecs = {
  slide: { kind: 'string', description: 'segment a whole slide (pyramidal TIFF, SVS, OME-TIFF or image) as a resumable job', placeholder: 'FILE' },
  csv: { kind: 'string', description: 'with --slide: also write the nuclei as CSV', placeholder: 'FILE' },
  'cache-dir': { kind: 'string', description: 'with --slide: where the result database, probabilities and job state live (default .cache/server)', placeholder: 'DIR' },
};

async function writeExport(path: string, format: ExportFormat, write: (sink: (text: string) => Promise<void>) => Promise<number>): Promise<number> {
  const out = createWriteStream(path);
  const n = await write(async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  });
  out.end();
  await once(out, 'finish');
  return n;
}

/** Runs the slide mode; resolves to the exit code. */
export async function segmentSlide(args: ParsedArgs): Promise<number> {
  const file = resolve(requireString(args, 'slide'));
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new NotFoundError(`--slide: no file ${file}`);
  const name = basename(file);
  const dot = name.lastIndexOf('.');
  const id = dot > 0 ? name.slice(0, dot) : name;
  const provider = (args.strings.get('provider') ?? 'auto') as ExecutionProviderPreference;
  if (!['auto', 'cuda', 'cpu'].includes(provider)) throw new InvalidArgumentError(`--provider must be auto, cuda or cpu, got "${provider}"`);
  const cacheDir = resolve(args.strings.get('cache-dir') ?? join('.cache', 'server'));
  const quiet: ServerLogger = { info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) };
  const server = createServer({
    slidesDir: dirname(file),
    model: args.strings.get('model'),
    executionProvider: provider,
    inferenceThreads: args.numbers.get('threads'),
    computeTile: args.numbers.get('tile'),
    computeHalo: args.numbers.get('halo'),
    cacheDir,
    resumeJobs: false,
    logger: quiet,
  });
  const params: Record<string, string> = {};
  const recipe = args.strings.get('recipe');
  if (recipe !== undefined) params.recipe = recipe;
  for (const [opt, q] of [['mask-threshold', 'maskThreshold'], ['marker-threshold', 'markerThreshold']] as const) {
    const v = args.numbers.get(opt);
    if (v !== undefined) params[q] = String(v);
  }
  const jobs = server.context.jobs;
  try {
    const model = await server.context.nuclei.model();
    process.stderr.write(`segment: slide ${id}, model ${model.card.name} (${model.card.arch}) on ${model.provider}\n`);
    const { job } = await jobs.start(id, params);
    const bar = createProgressBar('tiles', true);
    const stop = () => void jobs.cancel(job.id);
    process.once('SIGINT', stop);
    const final = await new Promise<JobSummary>((done) => {
      const on = (s: JobSummary) => {
        if (s.tilesTotal > 0) bar.update(s.tilesDone, s.tilesTotal, `${s.nuclei} nuclei`);
        if (isTerminal(s.status)) {
          job.off('update', on);
          done(s);
        }
      };
      job.on('update', on);
      on(job.summary);
    });
    process.off('SIGINT', stop);
    bar.finish();
    if (final.status === 'failed') throw new NucleiLensError((final.error?.code ?? 'MODEL') as NucleiLensError['code'], final.error?.message ?? 'the run failed');
    if (final.status === 'cancelled') {
      process.stderr.write(`cancelled after ${final.tilesDone}/${final.tilesTotal} tiles; run the same command again to resume\n`);
      return 130;
    }
    const slide = await server.context.library.get(id);
    const store = server.context.nuclei.store(slide);
    for (const [opt, format] of [['geojson', 'geojson'], ['csv', 'csv']] as const) {
      const out = args.strings.get(opt);
      if (out === undefined) continue;
      const n = await writeExport(out, format, (sink) => exportResults(store, id, format, sink));
      process.stderr.write(`wrote ${n} nuclei to ${out}\n`);
    }
    process.stdout.write(
      `${id}: ${final.nuclei} nuclei in ${final.tilesTotal} tissue tiles (${final.tilesResumed} resumed from an earlier run), ` +
        `${(final.elapsedMs / 1000).toFixed(1)} s -> ${join(cacheDir, 'results', `${id}.sqlite`)}\n`,
    );
    return 0;
  } finally {
    await server.close();
  }
}
