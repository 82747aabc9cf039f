/**
 * One compute tile from its probability maps to the nuclei it owns: post-processing,
 * measurement of the owner's candidates only, then the exact ownership rule. The server's
 * `/nuclei` and the viewer's live preview both run this, so they agree by construction.
 * Browser-safe: no Node built-ins.
 */
import { ShapeError } from '../errors/index.js';
import type { LabelImage, ProbMap } from '../raster/types.js';
import { postprocess, type PostprocessReuse } from '../post/postprocess.js';
import type { PostprocessParams } from '../post/postprocess-params.js';
import { measureNuclei } from '../measure/measure-nuclei.js';
import type { NucleusInstance } from '../measure/types.js';
import { cellOwns, type ComputeCell, type ComputeGrid } from './compute-grid.js';

/** Input of {@link ownedNuclei}. */
export interface OwnedNucleiInput {
  readonly grid: ComputeGrid;
  /**
   * The tile; `region` is the level-0 rectangle the maps cover: the cell's own region, or a
   * window of it (its edges inside the slide then count as halo edges for the ownership rule).
   */
  readonly cell: ComputeCell;
  /** Nucleus probability over `cell.region`. */
  readonly mask: ProbMap;
  /** Shape-marker probability over `cell.region`. */
  readonly marker: ProbMap;
  readonly params: PostprocessParams;
  /** Stages of an earlier run over the same maps (`postprocess`'s `reuse`). */
  readonly reuse?: PostprocessReuse;
  /** Microns per level-0 px, for the µm measurements. */
  readonly micronsPerPixel?: number;
}

/** The owned nuclei and the labels they were measured from. */
export interface OwnedNuclei {
  /** In label order, level-0 px. */
  readonly instances: NucleusInstance[];
  /** Over `cell.region`: the owned nuclei's labels, plus a few near-misses of the pre-filter; 0 elsewhere. */
  readonly labels: LabelImage;
}

/**
 * `labels` with every instance the tile cannot own set to 0, found in one pass of pixel
 * sums: a centroid more than a pixel outside the core, or a box touching an inner edge of
 * the region. Measuring (outlines, hulls) then skips the halo's nuclei, about a third of a
 * tile's; the exact rule runs on the measured figures afterwards. Removing other labels
 * changes no measurement of those kept (each is computed from its own pixels).
 */
function ownCandidates(labels: LabelImage, grid: ComputeGrid, cell: ComputeCell): LabelImage {
  const { width, height, data } = labels;
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  if (max === 0) return labels;
  const n = new Float64Array(max + 1);
  const sx = new Float64Array(max + 1);
  const sy = new Float64Array(max + 1);
  const x0 = new Int32Array(max + 1).fill(width);
  const y0 = new Int32Array(max + 1).fill(height);
  const x1 = new Int32Array(max + 1).fill(-1);
  const y1 = new Int32Array(max + 1).fill(-1);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const v = data[i];
      if (v <= 0) continue;
      n[v]++;
      sx[v] += x;
      sy[v] += y;
      if (x < x0[v]) x0[v] = x;
      if (x > x1[v]) x1[v] = x;
      if (y < y0[v]) y0[v] = y;
      if (y > y1[v]) y1[v] = y;
    }
  }
  const { region, core } = cell;
  const keep = new Uint8Array(max + 1);
  for (let v = 1; v <= max; v++) {
    if (n[v] === 0) continue;
    const cx = region.x + sx[v] / n[v] + 0.5;
    const cy = region.y + sy[v] / n[v] + 0.5;
    // One pixel of slack: the exact (floating-point) centroid test runs on the measured nuclei.
    if (cx < core.x - 1 || cx > core.x + core.width + 1 || cy < core.y - 1 || cy > core.y + core.height + 1) continue;
    const box = { x: region.x + x0[v], y: region.y + y0[v], width: x1[v] - x0[v] + 1, height: y1[v] - y0[v] + 1 };
    if (!cellOwns(grid, cell, { centroid: { x: core.x, y: core.y }, bbox: box })) continue;
    keep[v] = 1;
  }
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) if (keep[data[i]] === 1) out[i] = data[i];
  return { width, height, data: out };
}

/**
 * The nuclei `input.cell` owns under `input.params`.
 * @throws {ShapeError} when the maps differ in size or do not cover the region;
 *   {@link InvalidArgumentError} for bad parameters or a stale reused stage.
 * @example
 * const { instances } = ownedNuclei({ grid, cell, mask, marker, params: PAPER_PARAMS, micronsPerPixel: 0.25 });
 */
export function ownedNuclei(input: OwnedNucleiInput): OwnedNuclei {
  const { grid, cell, micronsPerPixel: mpp } = input;
  const { region } = cell;
  if (input.mask.width !== region.width || input.mask.height !== region.height) {
    throw new ShapeError(`tile ${cell.col}_${cell.row}: maps are ${input.mask.width}x${input.mask.height}, its region is ${region.width}x${region.height}`);
  }
  const labels = ownCandidates(postprocess(input.mask, input.marker, input.params, input.reuse), grid, cell);
  const measured = measureNuclei(labels, {
    offset: { x: region.x, y: region.y },
    ...(mpp !== undefined && mpp > 0 && { micronsPerPixel: mpp }),
  });
  return { instances: measured.filter((n) => cellOwns(grid, cell, n)), labels };
}
