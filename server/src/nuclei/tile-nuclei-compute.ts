/**
 * From one compute tile's cached probabilities to the nuclei it owns: post-processing,
 * measurement over the tile's region (level-0 coordinates), the ownership rule, then colour
 * and hematoxylin for the owned nuclei only. Pure; runs on the main thread or in a
 * post-processing worker.
 */
import {
  cellOwns,
  measureNuclei,
  postprocess,
  type ComputeCell,
  type ComputeGrid,
  type LabelImage,
  type NucleusInstance,
  type PostprocessParams,
  type ProbMapU8,
  type RgbImage,
  type StainParams,
} from '@nucleilens/pipeline';
import { withColour } from './nucleus-colour.js';

/** Everything {@link computeTileNuclei} needs (plain data: it crosses a worker boundary). */
export interface TileNucleiInput {
  readonly grid: ComputeGrid;
  readonly cell: ComputeCell;
  /** Probability x 255 over `cell.region`. */
  readonly mask: ProbMapU8;
  readonly marker: ProbMapU8;
  /** The slide's pixels over `cell.region`, for colour measurements. */
  readonly image: RgbImage;
  readonly stain: StainParams;
  readonly params: PostprocessParams;
  /** Microns per level-0 px, when known. */
  readonly mpp?: number;
}

/**
 * The nuclei `cell` owns, in label order.
 * @throws {ShapeError} when the maps or image do not match the region; {@link InvalidArgumentError} for bad parameters.
 * @example
 * const owned = computeTileNuclei({ grid, cell, mask, marker, image, stain, params, mpp: 0.25 });
 */
export function computeTileNuclei(input: TileNucleiInput): NucleusInstance[] {
  const { grid, cell, mpp } = input;
  const labels = keepOwnCandidates(postprocess(input.mask, input.marker, input.params), grid, cell);
  const measured = measureNuclei(labels, {
    offset: { x: cell.region.x, y: cell.region.y },
    ...(mpp !== undefined && mpp > 0 && { micronsPerPixel: mpp }),
  });
  // Colour only for the nuclei this tile keeps: the stain decomposition is the costly part.
  return withColour(
    measured.filter((n) => cellOwns(grid, cell, n)),
    labels,
    input.image,
    input.stain,
  );
}

/**
 * `labels` with every instance the tile cannot own set to 0, found in one pass of pixel
 * sums: a centroid more than a pixel outside the core, or a box touching an inner edge of
 * the region. Measuring (outlines, hulls) then skips the halo's nuclei, about a third of a
 * tile's; the exact rule is applied to the measured figures afterwards. Removing other
 * labels changes no measurement of those kept (each is computed from its own pixels).
 */
function keepOwnCandidates(labels: LabelImage, grid: ComputeGrid, cell: ComputeCell): LabelImage {
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
