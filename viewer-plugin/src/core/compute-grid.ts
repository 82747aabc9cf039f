/**
 * The server's fixed compute grid (docs/API.md, "Nuclei"): which compute tiles a
 * rectangle meets, and their cores. DOM-free.
 */
import type { Rect } from './server-types.js';

/** A compute tile's grid position and core, level-0 px. */
export interface GridCell {
  readonly col: number;
  readonly row: number;
  readonly core: Rect;
}

/** Grid geometry: core side and slide size, level-0 px. */
export interface GridGeometry {
  readonly tile: number;
  readonly slideWidth: number;
  readonly slideHeight: number;
}

/** `"col_row"`, the key a compute tile is cached under. */
export function cellKey(col: number, row: number): string {
  return `${col}_${row}`;
}

/**
 * The core of compute tile (col, row), clipped to the slide.
 * @example
 * cellCore({ tile: 512, slideWidth: 1000, slideHeight: 600 }, 1, 1); // { x: 512, y: 512, width: 488, height: 88 }
 */
export function cellCore(g: GridGeometry, col: number, row: number): Rect {
  const x = col * g.tile;
  const y = row * g.tile;
  return { x, y, width: Math.min(g.tile, g.slideWidth - x), height: Math.min(g.tile, g.slideHeight - y) };
}

/**
 * Every compute tile whose core meets `rect` (half-open, level-0 px), in row-major order.
 * An empty or off-slide rectangle meets none.
 * @example
 * cellsMeeting({ tile: 512, slideWidth: 2048, slideHeight: 2048 }, { x: 500, y: 0, width: 20, height: 10 }).length; // 2
 */
export function cellsMeeting(g: GridGeometry, rect: Rect): GridCell[] {
  const x0 = Math.max(0, rect.x);
  const y0 = Math.max(0, rect.y);
  const x1 = Math.min(g.slideWidth, rect.x + rect.width);
  const y1 = Math.min(g.slideHeight, rect.y + rect.height);
  if (!(x1 > x0 && y1 > y0)) return [];
  const out: GridCell[] = [];
  const c0 = Math.floor(x0 / g.tile);
  const c1 = Math.ceil(x1 / g.tile) - 1;
  const r0 = Math.floor(y0 / g.tile);
  const r1 = Math.ceil(y1 / g.tile) - 1;
  for (let row = r0; row <= r1; row++) {
    for (let col = c0; col <= c1; col++) out.push({ col, row, core: cellCore(g, col, row) });
  }
  return out;
}

/**
 * `rect` rounded outwards to whole pixels and clipped to the slide, so the viewer and the
 * server's `/nuclei?x=&y=&w=&h=` speak of exactly the same rectangle.
 */
export function snapRect(rect: Rect, slideWidth: number, slideHeight: number): Rect {
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(slideWidth, Math.ceil(rect.x + rect.width));
  const y1 = Math.min(slideHeight, Math.ceil(rect.y + rect.height));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Whether point (x, y) lies in the half-open rectangle. */
export function rectHolds(rect: Rect, x: number, y: number): boolean {
  return x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
}
