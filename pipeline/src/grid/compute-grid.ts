/**
 * The fixed level-0 compute grid nuclei are computed on (docs/API.md, "Nuclei"): cores of
 * `tile` px from the slide origin, each inferred over its core plus `halo` px on every side
 * clipped to the slide, and the ownership rule that makes tiles agree: a nucleus belongs to
 * the tile whose core holds its centroid, and a tile drops an instance touching its
 * region's outer edge where that edge is not the slide border (that nucleus is cut; its
 * owner, whose halo is larger than a nucleus, sees it whole). Pure geometry, browser-safe:
 * the server and a browser re-running post-processing on `/probs` apply the same rule.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { Rect } from '../raster/types.js';
import type { NucleusInstance } from '../measure/types.js';

/** A slide's compute grid, level-0 px. */
export interface ComputeGrid {
  /** Core side. */
  readonly tile: number;
  /** Context on every side of a core. */
  readonly halo: number;
  readonly cols: number;
  readonly rows: number;
  readonly slideWidth: number;
  readonly slideHeight: number;
}

/** One compute tile: grid position, core and inferred region (core + halo, clipped). */
export interface ComputeCell {
  readonly col: number;
  readonly row: number;
  readonly core: Rect;
  readonly region: Rect;
}

/**
 * `"col_row"`, the key a compute tile goes by wherever tiles are cached or counted (the
 * server's stores and jobs, the viewer's workers) and in probability tile URLs.
 */
export function cellKey(col: number, row: number): string {
  return `${col}_${row}`;
}

/**
 * The column and row of a {@link cellKey}, or undefined for anything else.
 * @example
 * parseCellKey('3_7'); // { col: 3, row: 7 }
 */
export function parseCellKey(key: string): { col: number; row: number } | undefined {
  const m = /^(\d+)_(\d+)$/.exec(key);
  return m ? { col: Number(m[1]), row: Number(m[2]) } : undefined;
}

/**
 * The grid of a `slideWidth` x `slideHeight` slide.
 * @throws {InvalidArgumentError} for a non-positive tile, a negative halo or an empty slide.
 * @example
 * computeGrid(1000, 600, 512, 64); // { tile: 512, halo: 64, cols: 2, rows: 2, ... }
 */
export function computeGrid(slideWidth: number, slideHeight: number, tile: number, halo: number): ComputeGrid {
  if (!Number.isInteger(tile) || tile < 1) throw new InvalidArgumentError(`compute tile must be a positive integer, got ${tile}`);
  if (!Number.isInteger(halo) || halo < 0) throw new InvalidArgumentError(`halo must be a non-negative integer, got ${halo}`);
  if (!(slideWidth >= 1 && slideHeight >= 1)) throw new InvalidArgumentError(`cannot grid an empty ${slideWidth}x${slideHeight} slide`);
  return { tile, halo, cols: Math.ceil(slideWidth / tile), rows: Math.ceil(slideHeight / tile), slideWidth, slideHeight };
}

/**
 * Compute tile (`col`, `row`).
 * @throws {InvalidArgumentError} outside the grid.
 * @example
 * cellAt(computeGrid(1000, 600, 512, 64), 1, 0).region; // { x: 448, y: 0, width: 552, height: 576 }
 */
export function cellAt(g: ComputeGrid, col: number, row: number): ComputeCell {
  if (!Number.isInteger(col) || !Number.isInteger(row) || col < 0 || row < 0 || col >= g.cols || row >= g.rows) {
    throw new InvalidArgumentError(`compute tile ${col}_${row} is outside the ${g.cols}x${g.rows} grid`);
  }
  const x = col * g.tile;
  const y = row * g.tile;
  const core = { x, y, width: Math.min(g.tile, g.slideWidth - x), height: Math.min(g.tile, g.slideHeight - y) };
  const rx = Math.max(0, x - g.halo);
  const ry = Math.max(0, y - g.halo);
  const region = {
    x: rx,
    y: ry,
    width: Math.min(g.slideWidth, x + core.width + g.halo) - rx,
    height: Math.min(g.slideHeight, y + core.height + g.halo) - ry,
  };
  return { col, row, core, region };
}

/**
 * Every compute tile whose core meets `rect` (half-open, level-0 px), row-major; none for
 * an empty or off-slide rectangle.
 * @example
 * cellsMeeting(computeGrid(2048, 2048, 512, 64), { x: 500, y: 0, width: 20, height: 10 }).length; // 2
 */
export function cellsMeeting(g: ComputeGrid, rect: Rect): ComputeCell[] {
  const x0 = Math.max(0, rect.x);
  const y0 = Math.max(0, rect.y);
  const x1 = Math.min(g.slideWidth, rect.x + rect.width);
  const y1 = Math.min(g.slideHeight, rect.y + rect.height);
  if (!(x1 > x0 && y1 > y0)) return [];
  const out: ComputeCell[] = [];
  for (let row = Math.floor(y0 / g.tile); row <= Math.ceil(y1 / g.tile) - 1; row++) {
    for (let col = Math.floor(x0 / g.tile); col <= Math.ceil(x1 / g.tile) - 1; col++) out.push(cellAt(g, col, row));
  }
  return out;
}

/** Whether (x, y) lies in the half-open rectangle. */
export function rectHoldsPoint(r: Rect, x: number, y: number): boolean {
  return x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
}

/** Whether two half-open rectangles share a pixel. */
export function rectsMeet(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * The ownership rule: `cell` keeps `n` (measured over `cell.region`, level-0 px) when its
 * centroid lies in the core and it does not touch the region's outer edge where that edge
 * lies inside the slide.
 * @example
 * const kept = instances.filter((n) => cellOwns(grid, cell, n));
 */
export function cellOwns(g: ComputeGrid, cell: ComputeCell, n: Pick<NucleusInstance, 'centroid' | 'bbox'>): boolean {
  if (!rectHoldsPoint(cell.core, n.centroid.x, n.centroid.y)) return false;
  const { region } = cell;
  const b = n.bbox;
  if (b.x <= region.x && region.x > 0) return false;
  if (b.y <= region.y && region.y > 0) return false;
  const rx1 = region.x + region.width;
  const ry1 = region.y + region.height;
  if (b.x + b.width >= rx1 && rx1 < g.slideWidth) return false;
  if (b.y + b.height >= ry1 && ry1 < g.slideHeight) return false;
  return true;
}
