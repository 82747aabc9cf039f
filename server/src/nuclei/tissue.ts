/**
 * Tissue detection on a low-resolution level: a pixel is tissue when its optical-density
 * vector is longer than 0.15 (the stain fit's own tissue test, so the tiles a whole-slide
 * run visits and the pixels the stain matrix is fitted on agree), and a compute tile is
 * worth running when enough of its core is tissue. Pure functions over rasters.
 */
import { InvalidArgumentError, cellAt, type BinaryMask, type ComputeCell, type ComputeGrid, type RgbImage } from '@nucleilens/pipeline';

/** OD norm above which a pixel is tissue (`fitStain`'s default `minOd`). */
export const TISSUE_MIN_OD = 0.15;

/**
 * Marks tissue pixels: OD vector -ln(I / 255) per channel longer than `minOd`.
 * @param rgb RGB image (uint8, interleaved), usually a low pyramid level
 * @returns a mask of rgb's size, 1 = tissue
 * @example
 * const tissue = detectTissue(thumbnail);
 */
export function detectTissue(rgb: RgbImage, minOd = TISSUE_MIN_OD): BinaryMask {
  if (!(minOd >= 0)) throw new InvalidArgumentError(`minOd must be >= 0, got ${minOd}`);
  const od = new Float32Array(256);
  for (let v = 0; v < 256; v++) od[v] = -Math.log(Math.max(1, v) / 255);
  const n = rgb.width * rgb.height;
  const out = new Uint8Array(n);
  const t2 = minOd * minOd;
  const d = rgb.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const r = od[d[j]];
    const g = od[d[j + 1]];
    const b = od[d[j + 2]];
    out[i] = r * r + g * g + b * b > t2 ? 1 : 0;
  }
  return { width: rgb.width, height: rgb.height, data: out };
}

/** A tissue mask and the level-0 px each of its pixels spans. */
export interface TissueMap {
  readonly mask: BinaryMask;
  /** Level-0 px per mask pixel (the level's downsample). */
  readonly downsample: number;
}

/**
 * The compute tiles whose core holds at least `minFraction` tissue (and at least one tissue
 * pixel), row-major.
 * @example
 * const cells = tissueCells(grid, { mask: detectTissue(level), downsample: 16 });
 */
export function tissueCells(grid: ComputeGrid, tissue: TissueMap, minFraction = 0.01): ComputeCell[] {
  const { mask, downsample: ds } = tissue;
  const out: ComputeCell[] = [];
  for (let row = 0; row < grid.rows; row++) {
    for (let col = 0; col < grid.cols; col++) {
      const cell = cellAt(grid, col, row);
      const x0 = Math.min(mask.width - 1, Math.floor(cell.core.x / ds));
      const y0 = Math.min(mask.height - 1, Math.floor(cell.core.y / ds));
      const x1 = Math.max(x0 + 1, Math.min(mask.width, Math.ceil((cell.core.x + cell.core.width) / ds)));
      const y1 = Math.max(y0 + 1, Math.min(mask.height, Math.ceil((cell.core.y + cell.core.height) / ds)));
      let count = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) count += mask.data[y * mask.width + x];
      if (count > 0 && count >= minFraction * (x1 - x0) * (y1 - y0)) out.push(cell);
    }
  }
  return out;
}
