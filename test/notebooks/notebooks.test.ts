/**
 * The notebooks: committed without outputs, and executed headless with the tslab kernel by
 * `npm run notebooks:run` with no cell error, an image in every notebook and plotly
 * figures where they plot. The run skips (with the reason) where jupyter or the MoNuSeg
 * data is absent, or when NUCLEILENS_SKIP_NOTEBOOKS is set (a few minutes on 2 cores).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from build/test/notebooks/ (compiled). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NOTEBOOKS = join(ROOT, 'notebooks');
const MONUSEG = join(ROOT, '..', 'shared', 'data', 'monuseg');
const EXPECTED = ['01-pipeline-stages.ipynb', '02-threshold-tuning.ipynb', '03-monuseg-evaluation.ipynb', '04-whole-slide.ipynb'];
/** Notebooks that must show plotly figures. */
const PLOTTING = new Set(EXPECTED);

interface Summary {
  kernelStart: { readySeconds: number; firstCellSeconds: number };
  runs: { notebook: string; seconds: number; exitCode: number; errors: number; failedStages: string[]; images: number; plotly: number; failure?: string }[];
}

test('committed notebooks use the tslab kernel and carry no outputs', () => {
  const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort();
  for (const f of EXPECTED) assert.ok(files.includes(f), `notebooks/${f} is missing`);
  for (const f of files) {
    const nb = JSON.parse(readFileSync(join(NOTEBOOKS, f), 'utf8')) as {
      metadata: { kernelspec?: { name?: string } };
      cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[];
    };
    assert.equal(nb.metadata.kernelspec?.name, 'tslab', `${f} kernel`);
    for (const cell of nb.cells.filter((c) => c.cell_type === 'code')) {
      assert.deepEqual(cell.outputs, [], `${f} has committed outputs: clear them before committing`);
      assert.equal(cell.execution_count ?? null, null, `${f} has execution counts`);
    }
  }
});

function hasJupyter(): boolean {
  return spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' }).status === 0;
}

test('every notebook executes headless without a cell error, with its images and figures', (t) => {
  if (process.env.NUCLEILENS_SKIP_NOTEBOOKS) return t.skip('NUCLEILENS_SKIP_NOTEBOOKS is set');
  if (!hasJupyter()) return t.skip('jupyter nbconvert not installed (apt-get install jupyter-notebook jupyter-nbconvert python3-nbconvert python3-nbclient jupyter-client)');
  if (!existsSync(MONUSEG)) return t.skip(`MoNuSeg data not found at ${MONUSEG}`);
  const summaryPath = join(ROOT, '.notebooks-out', 'summary.json');
  rmSync(summaryPath, { force: true }); // a stale summary must not pass for this run's
  const r = spawnSync('npm', ['run', 'notebooks:run'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  console.log(r.stdout.split('\n').filter((l) => /kernel start|^(ok|FAILED)|✗/.test(l)).join('\n'));
  assert.ok(existsSync(summaryPath), `no summary written; npm run notebooks:run said:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
  assert.deepEqual(summary.runs.map((x) => x.notebook), EXPECTED);
  for (const run of summary.runs) {
    assert.equal(run.exitCode, 0, `${run.notebook} failed:\n${run.failure ?? ''}`);
    assert.equal(run.errors, 0, `${run.notebook} has error outputs`);
    assert.deepEqual(run.failedStages, [], `${run.notebook} printed stage failures`);
    assert.ok(run.images >= 1, `${run.notebook} shows no image`);
    if (PLOTTING.has(run.notebook)) assert.ok(run.plotly >= 1, `${run.notebook} shows no plotly figure`);
  }
  assert.equal(r.status, 0, r.stderr.slice(-2000));
});
