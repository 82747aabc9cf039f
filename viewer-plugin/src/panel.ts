/**
 * The threshold and display panel: sliders (live preview while moving, commit on release),
 * display controls, the count in view, progress, errors, legend, histogram and selection.
 * Plain form controls, so everything is reachable by keyboard.
 */
import { TUNABLE_SLIDERS, type PostprocessParams, type TunableField } from './core/tuning-params.js';
import { COLOR_BY_CHOICES, COLOR_BY_LABEL, type ColorBy } from './core/color-scale.js';
import type { OverlayMode } from './events.js';

/** How nuclei are drawn. */
export type DrawStyle = 'outline' | 'fill';

/** Measurements the histogram can show: QuPath name -> label. */
export const HISTOGRAM_MEASUREMENTS: readonly (readonly [string, string])[] = [
  ['Area', 'Area (px²)'],
  ['Perimeter', 'Perimeter (px)'],
  ['Eccentricity', 'Eccentricity'],
  ['Solidity', 'Solidity'],
  ['Hematoxylin OD mean', 'Hematoxylin density (OD)'],
];

/** What the panel reports back. */
export interface PanelHandlers {
  /** A slider moves (drag or key held): preview only. */
  sliderInput(field: TunableField, value: number): void;
  /** A slider was released: the value is final. */
  sliderCommit(field: TunableField, value: number): void;
  reset(): void;
  opacity(value: number): void;
  drawStyle(style: DrawStyle): void;
  colorBy(by: ColorBy): void;
  histogramMeasurement(name: string): void;
  download(): void;
  clearSelection(): void;
}

/** Initial display settings. */
export interface PanelDisplay {
  readonly opacity: number;
  readonly style: DrawStyle;
  readonly colorBy: ColorBy;
  readonly histogramMeasurement: string;
  readonly histogram: boolean;
}

let nextPanelId = 0;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

function formatValue(field: TunableField, v: number): string {
  return field.endsWith('Threshold') ? v.toFixed(2) : String(Math.round(v));
}

/** The panel's DOM and its updates. */
export class NucleiPanel {
  readonly element: HTMLElement;
  /** Where the legend is drawn. */
  readonly legend: HTMLElement;
  /** Where the histogram is drawn; undefined when disabled. */
  readonly histogram: HTMLElement | undefined;
  private readonly sliders = new Map<TunableField, { input: HTMLInputElement; output: HTMLOutputElement }>();
  private readonly count: HTMLElement;
  private readonly countNote: HTMLElement;
  private readonly status: HTMLElement;
  private readonly progress: HTMLProgressElement;
  private readonly statusText: HTMLElement;
  private readonly error: HTMLElement;
  private readonly selectionText: HTMLElement;
  private readonly downloadButton: HTMLButtonElement;
  private readonly clearButton: HTMLButtonElement;

  /**
   * @param container where the panel goes; `floating` puts it over the viewer's corner
   */
  constructor(container: HTMLElement, floating: boolean, params: PostprocessParams, display: PanelDisplay, h: PanelHandlers) {
    const id = `nl${nextPanelId++}`;
    this.element = el('section', { className: `nl-panel${floating ? ' nl-floating' : ''}` });
    this.element.setAttribute('aria-label', 'Nuclei overlay');

    this.progress = el('progress');
    this.progress.hidden = true;
    this.statusText = el('span');
    this.status = el('div', { className: 'nl-status' }, this.progress, this.statusText);
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.error = el('div', { className: 'nl-error', hidden: true });
    this.error.setAttribute('role', 'alert');

    this.count = el('strong', { textContent: '–' });
    this.count.dataset.nl = 'count';
    this.countNote = el('span', { textContent: ' nuclei in view' });
    const count = el('div', { className: 'nl-count' }, this.count, this.countNote);

    const thresholds = el('fieldset', {}, el('legend', { textContent: 'Thresholds' }));
    for (const s of TUNABLE_SLIDERS) {
      const input = el('input', { type: 'range', id: `${id}-${s.field}`, min: String(s.min), max: String(s.max), step: String(s.step) });
      input.value = String(params[s.field]);
      input.dataset.field = s.field;
      const output = el('output');
      output.htmlFor.add(input.id);
      output.textContent = formatValue(s.field, params[s.field]);
      const label = el('label', { htmlFor: input.id }, el('span', { textContent: s.label }), output);
      input.addEventListener('input', () => {
        output.textContent = formatValue(s.field, input.valueAsNumber);
        h.sliderInput(s.field, input.valueAsNumber);
      });
      input.addEventListener('change', () => h.sliderCommit(s.field, input.valueAsNumber));
      this.sliders.set(s.field, { input, output });
      thresholds.appendChild(el('div', { className: 'nl-row' }, label, input));
    }
    const reset = el('button', { type: 'button', textContent: 'Reset to defaults' });
    reset.addEventListener('click', () => h.reset());
    thresholds.appendChild(el('div', { className: 'nl-inline' }, reset));

    const opacity = el('input', { type: 'range', id: `${id}-opacity`, min: '0', max: '1', step: '0.05' });
    opacity.value = String(display.opacity);
    opacity.addEventListener('input', () => h.opacity(opacity.valueAsNumber));
    const style = el('select', { id: `${id}-style` });
    for (const s of ['outline', 'fill'] as const) style.appendChild(el('option', { value: s, textContent: s === 'outline' ? 'Outline' : 'Fill' }));
    style.value = display.style;
    style.addEventListener('change', () => h.drawStyle(style.value as DrawStyle));
    const colorBy = el('select', { id: `${id}-color` });
    for (const c of COLOR_BY_CHOICES) colorBy.appendChild(el('option', { value: c, textContent: COLOR_BY_LABEL[c] }));
    colorBy.value = display.colorBy;
    colorBy.addEventListener('change', () => h.colorBy(colorBy.value as ColorBy));
    this.legend = el('div', { className: 'nl-legend' });
    const displayBox = el(
      'fieldset',
      {},
      el('legend', { textContent: 'Display' }),
      el('div', { className: 'nl-row' }, el('label', { htmlFor: opacity.id, textContent: 'Opacity' }), opacity),
      el('div', { className: 'nl-inline' }, el('label', { htmlFor: style.id, textContent: 'Style' }), style),
      el('div', { className: 'nl-inline' }, el('label', { htmlFor: colorBy.id, textContent: 'Colour by' }), colorBy),
      this.legend,
    );

    let histogramBox: HTMLElement | undefined;
    if (display.histogram) {
      const measure = el('select', { id: `${id}-hist` });
      for (const [name, label] of HISTOGRAM_MEASUREMENTS) measure.appendChild(el('option', { value: name, textContent: label }));
      measure.value = display.histogramMeasurement;
      measure.addEventListener('change', () => h.histogramMeasurement(measure.value));
      this.histogram = el('div', { className: 'nl-histogram' });
      histogramBox = el(
        'fieldset',
        {},
        el('legend', { textContent: 'Histogram (nuclei in view)' }),
        el('div', { className: 'nl-inline' }, el('label', { htmlFor: measure.id, textContent: 'Measurement' }), measure),
        this.histogram,
      );
    }

    this.selectionText = el('span', { textContent: 'No nucleus selected' });
    this.downloadButton = el('button', { type: 'button', textContent: 'Download GeoJSON', disabled: true });
    this.downloadButton.addEventListener('click', () => h.download());
    this.clearButton = el('button', { type: 'button', textContent: 'Clear', disabled: true });
    this.clearButton.addEventListener('click', () => h.clearSelection());
    const selection = el(
      'fieldset',
      {},
      el('legend', { textContent: 'Selection' }),
      this.selectionText,
      el('div', { className: 'nl-inline' }, this.downloadButton, this.clearButton),
      el('div', { className: 'nl-note', textContent: 'Click a nucleus to select it; shift-click adds.' }),
    );

    // The histogram follows the sliders it reacts to; display and selection come after.
    this.element.append(count, this.status, this.error, thresholds, ...(histogramBox ? [histogramBox] : []), displayBox, selection);
    container.appendChild(this.element);
  }

  /** Puts the sliders at `params` (after a reset or a URL change). */
  setParams(params: PostprocessParams): void {
    for (const [field, { input, output }] of this.sliders) {
      input.value = String(params[field]);
      output.textContent = formatValue(field, params[field]);
    }
  }

  /** The count of nuclei in view; undefined outside vector mode. */
  setCount(count: number | undefined, mode: OverlayMode): void {
    const shown = count === undefined ? '–' : String(count);
    if (this.count.textContent !== shown) this.count.textContent = shown;
    const note = mode === 'vector' ? ' nuclei in view' : mode === 'tiles' ? ' (zoom in to count and tune live)' : ' (zoom in to see nuclei)';
    if (this.countNote.textContent !== note) this.countNote.textContent = note;
  }

  /** Shows or hides the progress indicator. */
  setProgress(pending: number, label: string): void {
    // Only what changed is written: the same text written again makes the live region
    // announce it again, and every write restyles the panel.
    if (this.progress.hidden !== (pending === 0)) this.progress.hidden = pending === 0;
    if (this.statusText.textContent !== label) this.statusText.textContent = label;
    const busy = pending > 0 ? 'true' : 'false';
    if (this.element.dataset.busy !== busy) this.element.dataset.busy = busy;
  }

  /** Shows an error message (replacing the previous one); `undefined` clears it. */
  showError(message: string | undefined): void {
    this.error.hidden = message === undefined;
    this.error.textContent = message ?? '';
  }

  /** The selection's size. */
  setSelection(n: number): void {
    this.selectionText.textContent = n === 0 ? 'No nucleus selected' : `${n} nucle${n === 1 ? 'us' : 'i'} selected`;
    this.downloadButton.disabled = n === 0;
    this.clearButton.disabled = n === 0;
  }

  destroy(): void {
    this.element.remove();
  }
}
