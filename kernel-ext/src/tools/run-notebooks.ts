/**
 * `npm run notebooks:run`: executes every notebook in notebooks/ headless with the tslab
 * kernel (`jupyter nbconvert --execute`) into .notebooks-out/ (an executed .ipynb and an
 * HTML copy each), measures the kernel's start time and each notebook's execution time,
 * and checks the outputs. Writes .notebooks-out/summary.json; exits 1 when a notebook
 * failed or holds an error output. The kernel must be registered first
 * (`npm run notebooks:kernel`, which installs its spec under .cache/jupyter).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeNotebook, type NotebookOutputSummary } from './notebook-outputs.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OUT = join(ROOT, '.notebooks-out');
const JUPYTER_PATH = join(ROOT, '.cache', 'jupyter', 'share', 'jupyter');
/** Seconds one cell may run before nbconvert stops it. */
const CELL_TIMEOUT_S = 1200;
/**
 * Seconds the kernel may take to answer at start. About 3 s on an idle 2-core machine, but
 * over 100 s was seen beside a training run at high priority; nbconvert's default is 60.
 */
const STARTUP_TIMEOUT_S = 300;

/** One notebook's run. */
export interface NotebookRun extends NotebookOutputSummary {
  readonly notebook: string;
  readonly seconds: number;
  readonly exitCode: number;
  /** The tail of nbconvert's stderr when it failed. */
  readonly failure?: string;
}

const env = { ...process.env, JUPYTER_PATH, PYDEVD_DISABLE_FILE_VALIDATION: '1' };

// Python's jupyter_client starts the kernel exactly as nbconvert does and waits for its
// kernel_info reply (ready), then for one trivial cell to execute.
const KERNEL_START_PY = `
import time, json
from jupyter_client.manager import start_new_kernel
t0 = time.monotonic()
km, kc = start_new_kernel(kernel_name='tslab', startup_timeout=300)
ready = time.monotonic() - t0
kc.execute_interactive('1 + 1', timeout=120)
first = time.monotonic() - t0
kc.stop_channels(); km.shutdown_kernel(now=True)
print(json.dumps({'readySeconds': ready, 'firstCellSeconds': first}))
`;

function kernelStart(): { readySeconds: number; firstCellSeconds: number } {
  const r = spawnSync('/usr/bin/python3', ['-c', KERNEL_START_PY], { env, encoding: 'utf8', cwd: join(ROOT, 'notebooks') });
  if (r.status !== 0) throw new Error(`kernel start failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { readySeconds: number; firstCellSeconds: number };
}

function nbconvert(args: readonly string[]): { status: number; stderr: string } {
  const r = spawnSync('jupyter', ['nbconvert', ...args], { env, encoding: 'utf8', cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? 1, stderr: r.stderr ?? String(r.error) };
}

function runOne(file: string): NotebookRun {
  const executed = join(OUT, file);
  // A failed run writes nothing: an output left from an earlier run must not be summarized as this one's.
  rmSync(executed, { force: true });
  rmSync(executed.replace(/\.ipynb$/, '.html'), { force: true });
  const t0 = performance.now();
  const exec = nbconvert([
    '--to', 'notebook', '--execute',
    '--ExecutePreprocessor.kernel_name=tslab',
    `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`,
    `--ExecutePreprocessor.startup_timeout=${STARTUP_TIMEOUT_S}`,
    '--output-dir', OUT,
    join('notebooks', file),
  ]);
  const seconds = (performance.now() - t0) / 1000;
  const summary = existsSync(executed)
    ? summarizeNotebook(executed)
    : { codeCells: 0, errors: 1, failedStages: [], images: 0, plotly: 0, html: 0, outputChars: 0 };
  if (existsSync(executed)) nbconvert(['--to', 'html', '--output-dir', OUT, executed]);
  return {
    notebook: file,
    seconds,
    exitCode: exec.status,
    ...summary,
    ...(exec.status !== 0 ? { failure: exec.stderr.split('\n').filter((l) => !/Debugg|frozen_modules|PYDEVD|Debugging will/.test(l)).slice(-25).join('\n') } : {}),
  };
}

function main(): number {
  if (!existsSync(join(JUPYTER_PATH, 'kernels', 'tslab', 'kernel.json'))) {
    console.error(`the tslab kernel is not registered under ${JUPYTER_PATH}: run npm run notebooks:kernel`);
    return 2;
  }
  const only = process.argv.slice(2);
  const files = readdirSync(join(ROOT, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb') && (only.length === 0 || only.some((o) => f.includes(o))))
    .sort();
  mkdirSync(OUT, { recursive: true });
  const start = kernelStart();
  console.log(`kernel start (tslab): ready ${start.readySeconds.toFixed(2)} s, first cell done ${start.firstCellSeconds.toFixed(2)} s`);
  const runs: NotebookRun[] = [];
  for (const f of files) {
    const run = runOne(f);
    runs.push(run);
    const status = run.exitCode === 0 && run.errors === 0 ? 'ok' : 'FAILED';
    console.log(
      `${status.padEnd(6)} ${f.padEnd(28)} ${run.seconds.toFixed(1).padStart(6)} s  cells ${run.codeCells}  images ${run.images}  plotly ${run.plotly}  errors ${run.errors}`,
    );
    if (run.failure) console.log(run.failure);
    for (const line of run.failedStages) console.log(`       ${line}`);
  }
  writeFileSync(join(OUT, 'summary.json'), `${JSON.stringify({ kernelStart: start, runs }, null, 2)}\n`);
  return runs.every((r) => r.exitCode === 0 && r.errors === 0) ? 0 : 1;
}

process.exitCode = main();
