/**
 * The URL this plugin's script was loaded from, so its worker and plotly.js are found next
 * to it by default: `document.currentScript` for the classic-script bundle (read while the
 * bundle first runs), `import.meta.url` for the ES module build.
 */
export const SCRIPT_BASE: string | undefined = (() => {
  const current = typeof document === 'undefined' ? null : document.currentScript;
  if (current instanceof HTMLScriptElement && current.src) return current.src;
  try {
    return import.meta.url || undefined;
  } catch {
    return undefined;
  }
})();

/** `name` resolved next to the plugin's script (or the page when that is unknown). */
export function besideScript(name: string): string {
  return new URL(name, SCRIPT_BASE ?? (typeof location === 'undefined' ? 'http://localhost/' : location.href)).href;
}
