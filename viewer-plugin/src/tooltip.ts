/** The hover tooltip: a nucleus's measurements next to the pointer. */
import type { NucleusRecord } from './core/nucleus-record.js';

/** Rows shown, in order: label, QuPath measurement name, unit, decimals. */
const ROWS: readonly (readonly [string, string, string, number])[] = [
  ['Area', 'Area', 'px²', 0],
  ['Area', 'Area µm^2', 'µm²', 1],
  ['Perimeter', 'Perimeter', 'px', 1],
  ['Eccentricity', 'Eccentricity', '', 2],
  ['Solidity', 'Solidity', '', 2],
  ['Hematoxylin', 'Hematoxylin OD mean', 'OD', 2],
];

/** A tooltip element inside the viewer's container. */
export class NucleusTooltip {
  readonly element: HTMLDivElement;
  constructor(parent: HTMLElement) {
    this.element = document.createElement('div');
    this.element.className = 'nl-tooltip';
    this.element.setAttribute('role', 'tooltip');
    this.element.hidden = true;
    parent.appendChild(this.element);
  }

  /**
   * Shows `r`'s measurements near (x, y), in px of the parent element; hides for null.
   */
  show(r: NucleusRecord | null, x: number, y: number): void {
    if (!r) {
      this.element.hidden = true;
      return;
    }
    const lines: string[] = [];
    for (const [label, key, unit, digits] of ROWS) {
      const v = r.measurements[key];
      if (v === undefined || !Number.isFinite(v)) continue;
      lines.push(`${label}: ${v.toFixed(digits)}${unit ? ` ${unit}` : ''}`);
    }
    this.element.replaceChildren(
      ...lines.map((t) => {
        const d = document.createElement('div');
        d.textContent = t;
        return d;
      }),
    );
    this.element.hidden = false;
    const parent = this.element.parentElement;
    const pw = parent?.clientWidth ?? 0;
    const ph = parent?.clientHeight ?? 0;
    const w = this.element.offsetWidth;
    const h = this.element.offsetHeight;
    // Keep the box inside the viewer: flip to the pointer's other side near an edge.
    const left = x + 14 + w > pw ? Math.max(0, x - 14 - w) : x + 14;
    const top = y + 14 + h > ph ? Math.max(0, y - 14 - h) : y + 14;
    this.element.style.transform = `translate(${left}px, ${top}px)`;
  }

  destroy(): void {
    this.element.remove();
  }
}
