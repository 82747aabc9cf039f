/**
 * A one-line progress bar on stderr for long CLI runs (many tiles or files). On a terminal
 * it redraws in place; when stderr is a file or pipe it prints a plain line at each 10 %
 * step instead, so logs stay readable. stdout is left alone for results.
 */

/** Something that takes progress updates; {@link createProgressBar} returns a no-op one when a bar is not wanted. */
export interface ProgressBar {
  /** `done` of `total` units finished; `label` says what is being worked on. */
  update(done: number, total: number, label?: string): void;
  /** Erases the bar's line on a terminal, so a result line can be printed; the next update redraws it. */
  clear(): void;
  /** Ends the bar's line. */
  finish(): void;
}

const WIDTH = 24;

class StderrProgressBar implements ProgressBar {
  private lastDecile = -1;
  private drawn = false;
  private readonly start = performance.now();

  constructor(
    private readonly title: string,
    private readonly stream: NodeJS.WriteStream,
  ) {}

  update(done: number, total: number, label = ''): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = fraction > 0 && fraction < 1 ? ` eta ${Math.round((elapsed / fraction) * (1 - fraction))}s` : '';
    const text = `${this.title} ${Math.floor(done)}/${total} ${Math.round(fraction * 100)}% ${elapsed.toFixed(1)}s${eta} ${label}`.trimEnd();
    if (this.stream.isTTY) {
      const filled = Math.round(fraction * WIDTH);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${text}\x1b[K`);
      this.drawn = true;
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.stream.write(`${text}\n`);
    }
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

const SILENT: ProgressBar = { update() {}, clear() {}, finish() {} };

/**
 * A progress bar titled `title` on stderr, or a silent one when `enabled` is false (few
 * units: a bar would only add noise).
 * @example
 * const bar = createProgressBar('tiles', total > 4);
 * bar.update(3, total); bar.finish();
 */
export function createProgressBar(title: string, enabled: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  return enabled ? new StderrProgressBar(title, stream) : SILENT;
}
