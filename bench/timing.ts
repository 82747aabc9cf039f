/** Median / min / max of repeated timings, the figures every bench prints. */

/** A summary of several timed runs, in milliseconds. */
export interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** Summarizes run times (ms); the median of an even count is the mean of the middle two. */
export function summarize(ms: readonly number[]): Timing {
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
}
