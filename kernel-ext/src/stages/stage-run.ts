/**
 * Timing and error reporting around every stage a cell calls. tslab shows a failed cell as
 * little more than "<Error>:", so the stage prints the error's name, code and message (and
 * its cause) before rethrowing it: the cell still fails (nbconvert stops there) and the
 * reader sees why.
 */
import { isNucleiLensError } from '@nucleilens/pipeline';

/** How long one stage took. */
export interface StageTiming {
  readonly stage: string;
  readonly ms: number;
}

/**
 * One line describing an error: `Name [code]: message (cause: ...)`.
 * @example
 * describeError(new NotFoundError('x.png: no such file')); // "NotFoundError [not_found]: x.png: no such file"
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `thrown value: ${String(err)}`;
  const code = isNucleiLensError(err) ? ` [${err.code}]` : '';
  const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
  return `${err.name}${code}: ${err.message}${cause}`;
}

/**
 * Runs `fn`, timing it; on failure prints `✗ stage: <error>` to stderr and rethrows.
 * @example
 * const { value, timing } = await runStage('postprocess', () => postprocess(m, k, params));
 */
export async function runStage<T>(stage: string, fn: () => T | Promise<T>): Promise<{ value: T; timing: StageTiming }> {
  const t0 = performance.now();
  try {
    const value = await fn();
    return { value, timing: { stage, ms: performance.now() - t0 } };
  } catch (err) {
    console.error(`✗ ${stage}: ${describeError(err)}`);
    throw err;
  }
}

/** "123 ms" or "4.2 s". */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
