/**
 * What an executed notebook's outputs hold: errors, failed-stage lines, images and plotly
 * figures per notebook. The runner prints it and the notebook test asserts on it, so a cell
 * that failed quietly (tslab shows little more than "<Error>:") is still caught.
 */
import { readFileSync } from 'node:fs';

/** Counts over one notebook's outputs. */
export interface NotebookOutputSummary {
  readonly codeCells: number;
  /** Cells whose outputs hold an `error` output. */
  readonly errors: number;
  /** stderr lines a kernel-ext stage printed for a failure ("✗ stage: ..."). */
  readonly failedStages: readonly string[];
  readonly images: number;
  readonly plotly: number;
  readonly html: number;
  /** Total characters of all outputs (a committed notebook should have ~0). */
  readonly outputChars: number;
}

interface NbOutput {
  readonly output_type: string;
  readonly name?: string;
  readonly text?: string | string[];
  readonly data?: Record<string, unknown>;
}

interface NbCell {
  readonly cell_type: string;
  readonly outputs?: NbOutput[];
}

function text(t: string | string[] | undefined): string {
  return Array.isArray(t) ? t.join('') : (t ?? '');
}

/**
 * Summarizes the outputs of the notebook file at `path`.
 * @example
 * summarizeNotebook('.notebooks-out/01-pipeline-stages.ipynb').images; // 7
 */
export function summarizeNotebook(path: string): NotebookOutputSummary {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as { cells: NbCell[] };
  let errors = 0;
  let images = 0;
  let plotly = 0;
  let html = 0;
  let outputChars = 0;
  const failedStages: string[] = [];
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  for (const cell of code) {
    const outs = cell.outputs ?? [];
    if (outs.some((o) => o.output_type === 'error')) errors++;
    for (const o of outs) {
      outputChars += JSON.stringify(o).length;
      if (o.output_type === 'stream' && o.name === 'stderr') {
        failedStages.push(...text(o.text).split('\n').filter((l) => l.startsWith('✗ ')));
      }
      const data = o.data ?? {};
      if ('image/png' in data) images++;
      if ('application/vnd.plotly.v1+json' in data) plotly++;
      if ('text/html' in data) html++;
    }
  }
  return { codeCells: code.length, errors, failedStages, images, plotly, html, outputChars };
}
