/**
 * Values that display themselves. tslab prints a cell's last expression with
 * `console.log`, which calls `util.inspect`, which calls a value's `inspect.custom` method:
 * there we publish the value's MIME bundle and return a one-line summary for the text
 * output. Bundles are rendered when the value is made (PNG encoding is async), so display
 * itself is synchronous.
 */
import { inspect, type InspectOptions } from 'node:util';
import type { MimeBundle } from './mime-bundle.js';
import { publish } from './display-sink.js';

/** A value with a rich display. */
export abstract class RichValue {
  /** The MIME bundle shown for this value (rendered when it was made). */
  abstract mimeBundle(): MimeBundle;

  /** One line of text: what it is, its size, how long it took. */
  abstract summary(): string;

  /** Shown when a cell ends with this value; nested inside other values, only the summary. */
  [inspect.custom](depth: number, options: InspectOptions): string {
    if (depth >= (options.depth ?? 2)) publish(this.mimeBundle());
    return this.summary();
  }
}

/**
 * Displays values in the cell output: rich values with their bundle, anything else as text.
 * @example
 * show(picture, probabilities, segmentation);
 */
export function show(...values: unknown[]): void {
  for (const v of values) {
    if (v instanceof RichValue) publish(v.mimeBundle());
    else publish({ 'text/plain': typeof v === 'string' ? v : inspect(v, { depth: 3 }) });
  }
}
