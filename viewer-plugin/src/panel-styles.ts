/**
 * The overlay's own CSS, injected once per document so the plugin works on any page; a
 * page restyles through the `nl-` classes.
 */
const CSS = `
.nl-canvas{position:absolute;left:0;top:0;pointer-events:none}
.nl-tooltip{position:absolute;left:0;top:0;z-index:10;pointer-events:none;background:rgba(20,20,28,.92);color:#fff;
  font:12px/1.35 system-ui,sans-serif;padding:6px 8px;border-radius:4px;white-space:nowrap;box-shadow:0 2px 6px rgba(0,0,0,.4)}
.nl-panel{font:14px/1.4 system-ui,sans-serif;color:#1c1c22;background:#fff;box-sizing:border-box;padding:10px 12px;
  display:flex;flex-direction:column;gap:10px;min-width:0}
.nl-panel.nl-floating{position:absolute;right:8px;top:8px;z-index:5;width:300px;max-height:calc(100% - 16px);overflow:auto;
  border-radius:6px;box-shadow:0 2px 10px rgba(0,0,0,.35)}
.nl-panel fieldset{border:1px solid #d6d6de;border-radius:4px;margin:0;padding:6px 8px 8px;display:flex;flex-direction:column;gap:6px}
.nl-panel legend{font-weight:600;padding:0 4px}
.nl-row{display:flex;flex-direction:column;gap:2px}
.nl-row label{display:flex;justify-content:space-between;gap:8px}
.nl-row input[type=range]{width:100%;margin:0;min-height:24px}
.nl-inline{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.nl-panel select,.nl-panel button{font:inherit;padding:3px 8px;min-height:30px}
.nl-panel :focus-visible{outline:3px solid #1a73e8;outline-offset:1px}
.nl-count{font-size:16px}
.nl-count strong{font-size:22px}
.nl-status{display:flex;gap:8px;align-items:center;min-height:20px;color:#444}
.nl-status progress{width:80px}
.nl-error{background:#fde7e9;color:#8a1020;border:1px solid #e8a0a8;border-radius:4px;padding:6px 8px;word-break:break-word}
.nl-legend-title{font-weight:600}
.nl-legend-ramp{height:12px;border-radius:2px;margin-top:4px}
.nl-legend-ends{display:flex;justify-content:space-between;font-size:12px;color:#444}
.nl-legend-note{font-size:12px;color:#444}
.nl-histogram{width:100%;height:160px}
.nl-note{font-size:12px;color:#555}
`;

/** Adds the overlay's stylesheet to `doc` unless it is there already. */
export function injectOverlayStyles(doc: Document): void {
  if (doc.getElementById('nucleilens-overlay-styles')) return;
  const style = doc.createElement('style');
  style.id = 'nucleilens-overlay-styles';
  style.textContent = CSS;
  doc.head.appendChild(style);
}
