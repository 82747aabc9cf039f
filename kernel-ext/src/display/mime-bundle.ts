/**
 * What a cell output is made of: one Jupyter MIME bundle (the `data` of a `display_data`
 * message). Binary payloads (PNG) are base64 strings, JSON MIME types (plotly) are objects.
 */

/** A Jupyter MIME bundle: MIME type → base64 string, text, or JSON object. */
export type MimeBundle = Readonly<Record<string, string | object>>;

/** Where bundles go: the running kernel's output, or a recorder in tests. */
export interface DisplaySink {
  /** Sends one bundle as one output of the executing cell. */
  publish(bundle: MimeBundle): void;
}
