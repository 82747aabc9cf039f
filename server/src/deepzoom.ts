/**
 * DeepZoom geometry (the layout OpenSeadragon reads): level L of a W x H image is
 * ceil(W / 2^(maxLevel - L)) wide; tiles are `tileSize` px with `overlap` px borders on
 * the sides that have a neighbour. See
 * https://learn.microsoft.com/en-us/previous-versions/windows/silverlight/dotnet-windows-silverlight/cc645077(v=vs.95).
 */
import { InvalidArgumentError, NotFoundError, type Level0Rect } from '@nucleilens/pipeline';

/** The DeepZoom parameters a server publishes for every slide. */
export interface DeepZoomLayout {
  readonly width: number;
  readonly height: number;
  readonly tileSize: number;
  readonly overlap: number;
}

/** Where one DeepZoom tile comes from and how big it is. */
export interface DeepZoomTile {
  /** The level-0 rectangle the tile shows (clipped to the image). */
  readonly region: Level0Rect;
  /** Output size in DeepZoom level pixels. */
  readonly width: number;
  readonly height: number;
}

/** The highest DeepZoom level (1:1 with level 0): ceil(log2(max(W, H))). */
export function deepZoomMaxLevel(width: number, height: number): number {
  return Math.ceil(Math.log2(Math.max(width, height, 1)));
}

/** Size of DeepZoom level `level`. */
export function deepZoomLevelSize(layout: DeepZoomLayout, level: number): { width: number; height: number } {
  const scale = 2 ** (deepZoomMaxLevel(layout.width, layout.height) - level);
  return { width: Math.max(1, Math.ceil(layout.width / scale)), height: Math.max(1, Math.ceil(layout.height / scale)) };
}

/**
 * The tile at (`level`, `col`, `row`).
 * @throws {NotFoundError} when the level or tile does not exist (a 404, like a missing file).
 * @example
 * deepZoomTile({ width: 1000, height: 800, tileSize: 254, overlap: 1 }, 10, 1, 0).region; // { x: 253, y: 0, width: 510, height: 255 }
 */
export function deepZoomTile(layout: DeepZoomLayout, level: number, col: number, row: number): DeepZoomTile {
  const maxLevel = deepZoomMaxLevel(layout.width, layout.height);
  if (!Number.isInteger(level) || level < 0 || level > maxLevel) {
    throw new NotFoundError(`DeepZoom level ${level} does not exist (0..${maxLevel})`);
  }
  const size = deepZoomLevelSize(layout, level);
  const { tileSize: ts, overlap: ov } = layout;
  const cols = Math.ceil(size.width / ts);
  const rows = Math.ceil(size.height / ts);
  if (!Number.isInteger(col) || !Number.isInteger(row) || col < 0 || row < 0 || col >= cols || row >= rows) {
    throw new NotFoundError(`DeepZoom tile ${col}_${row} does not exist at level ${level} (${cols}x${rows} tiles)`);
  }
  const x0 = col * ts - (col > 0 ? ov : 0);
  const y0 = row * ts - (row > 0 ? ov : 0);
  const x1 = Math.min(size.width, (col + 1) * ts + ov);
  const y1 = Math.min(size.height, (row + 1) * ts + ov);
  const scale = 2 ** (maxLevel - level);
  const rx0 = x0 * scale;
  const ry0 = y0 * scale;
  return {
    region: {
      x: rx0,
      y: ry0,
      width: Math.min(layout.width, x1 * scale) - rx0,
      height: Math.min(layout.height, y1 * scale) - ry0,
    },
    width: x1 - x0,
    height: y1 - y0,
  };
}

/** The DZI descriptor XML. */
export function deepZoomDescriptor(layout: DeepZoomLayout, format: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" TileSize="${layout.tileSize}" Overlap="${layout.overlap}" Format="${format}">` +
    `<Size Width="${layout.width}" Height="${layout.height}"/></Image>\n`
  );
}

/**
 * Parses a non-negative integer path parameter.
 * @throws {InvalidArgumentError} naming the parameter.
 */
export function parseIndex(name: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}
