/** The colour legend: a ramp with its value range, or a note for instance colouring. */
import { COLOR_BY_LABEL, rampGradientCss, type ColorBy, type RampDomain } from './core/color-scale.js';

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2);
}

/**
 * Renders the legend of a colouring into `root` (replacing its content).
 * @param domain the ramp's range; undefined when no nucleus in view has the measurement
 */
export function renderLegend(root: HTMLElement, colorBy: ColorBy, domain: RampDomain | undefined): void {
  root.replaceChildren();
  const title = document.createElement('div');
  title.className = 'nl-legend-title';
  title.textContent = `Colour: ${COLOR_BY_LABEL[colorBy]}`;
  root.appendChild(title);
  if (colorBy === 'instance') {
    const note = document.createElement('div');
    note.className = 'nl-legend-note';
    note.textContent = 'one colour per nucleus';
    root.appendChild(note);
    return;
  }
  const bar = document.createElement('div');
  bar.className = 'nl-legend-ramp';
  bar.style.background = rampGradientCss();
  bar.setAttribute('role', 'img');
  const ends = document.createElement('div');
  ends.className = 'nl-legend-ends';
  if (domain) {
    bar.setAttribute('aria-label', `${COLOR_BY_LABEL[colorBy]} from ${fmt(domain.min)} (blue) to ${fmt(domain.max)} (yellow)`);
    const lo = document.createElement('span');
    lo.textContent = `≤ ${fmt(domain.min)}`;
    const hi = document.createElement('span');
    hi.textContent = `≥ ${fmt(domain.max)}`;
    ends.append(lo, hi);
  } else {
    bar.setAttribute('aria-label', 'no nucleus in view has this measurement');
    ends.textContent = 'no values in view (grey)';
  }
  root.append(bar, ends);
}
