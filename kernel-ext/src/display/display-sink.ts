/**
 * Routing rich outputs to the tslab kernel. tslab keeps the executing cell's output writer in
 * a module variable of its `dist/jupyter.js` (the same one its public `display` uses); we take
 * the writer from the module the kernel itself loaded, found in Node's module cache, so the
 * extension never loads a second tslab and can send a bundle with several MIME types at once
 * (tslab's public `display.raw` sends one). Outside a kernel, bundles fall back to text.
 */
import { createRequire } from 'node:module';
import type { DisplaySink, MimeBundle } from './mime-bundle.js';

type WriteDisplayData = (data: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

const require = createRequire(import.meta.url);

function tslabWriter(): WriteDisplayData | null {
  for (const [path, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(path) || !mod) continue;
    const writer = (mod.exports as Partial<TslabJupyterModule>).lastWriteDisplayData;
    if (typeof writer === 'function') return writer;
  }
  return null;
}

/** Prints the bundle's `text/plain` (or its MIME types) to stdout; used outside a kernel. */
export const textSink: DisplaySink = {
  publish(bundle: MimeBundle): void {
    const text = bundle['text/plain'];
    process.stdout.write(`${typeof text === 'string' ? text : `[${Object.keys(bundle).join(', ')}]`}\n`);
  },
};

/** Sends bundles to the tslab kernel executing the current cell, or to {@link textSink} when there is none. */
export const tslabSink: DisplaySink = {
  publish(bundle: MimeBundle): void {
    const writer = tslabWriter();
    if (writer) writer({ data: bundle, metadata: {}, transient: {} }, false);
    else textSink.publish(bundle);
  },
};

let current: DisplaySink = tslabSink;

/**
 * Replaces where rich outputs go (tests record them); returns the previous sink.
 * @example
 * const seen: MimeBundle[] = [];
 * const previous = setDisplaySink({ publish: (b) => seen.push(b) });
 */
export function setDisplaySink(sink: DisplaySink): DisplaySink {
  const previous = current;
  current = sink;
  return previous;
}

/** Publishes one bundle to the current sink. */
export function publish(bundle: MimeBundle): void {
  current.publish(bundle);
}
