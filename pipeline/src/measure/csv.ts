/** CSV export of nucleus measurements. Browser-safe. */
import type { NucleusInstance } from './types.js';
import { MEASUREMENT_COLUMNS } from './measurement-columns.js';

function formatNumber(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  // Six decimals is far below a pixel or a grey level; integers stay integers.
  return String(Math.round(v * 1e6) / 1e6);
}

/**
 * One header line and one row per nucleus, comma-separated, `\n` line ends. The columns are
 * always the same, in the same order (id, centroid_x, centroid_y, bbox_x, bbox_y,
 * bbox_width, bbox_height, area_px, area_um2, perimeter_px, ...); a figure the instance lacks
 * (µm without microns per pixel, colour without an image) is an empty cell.
 * @param instances from {@link measureNuclei}
 * @example
 * const text = toCsv(measureNuclei(labels));
 * text.split('\n')[0]; // 'id,centroid_x,centroid_y,bbox_x,...'
 */
export function toCsv(instances: readonly NucleusInstance[]): string {
  const lines = [MEASUREMENT_COLUMNS.map((c) => c.csv).join(',')];
  for (const n of instances) lines.push(MEASUREMENT_COLUMNS.map((c) => formatNumber(c.get(n))).join(','));
  return lines.join('\n') + '\n';
}
