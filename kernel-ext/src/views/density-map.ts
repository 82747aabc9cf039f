/** Nucleus density over a region: centroids counted on a grid, colour-mapped over the picture. */
import { InvalidArgumentError } from '@nucleilens/pipeline';
import { RichValue } from '../display/rich-value.js';
import type { MimeBundle } from '../display/mime-bundle.js';
import { VIRIDIS } from '../render/colormap.js';
import { pictureBundle } from '../render/picture-bundle.js';
import type { Measurements } from './measurements.js';

/** Counts per grid cell and their density. */
export class DensityMap extends RichValue {
  private constructor(
    /** Nuclei per cell, row-major, `cols` x `rows`. */
    readonly counts: Uint32Array,
    readonly cols: number,
    readonly rows: number,
    /** Cell side in level-0 px. */
    readonly cellPx: number,
    /** Nuclei per mm² of the densest cell, when µm/px is known. */
    readonly maxPerMm2: number | undefined,
    private readonly bundle: MimeBundle,
  ) {
    super();
  }

  /**
   * Counts the measured nuclei's centroids on a grid of `cellPx` cells over the segmented
   * picture and draws the density (viridis, max = densest cell) half over the picture.
   * @throws {InvalidArgumentError} when cellPx is not a positive integer or the measurements have no picture.
   * @example
   * const density = await DensityMap.create(measurements, 128);
   */
  static async create(m: Measurements, cellPx: number): Promise<DensityMap> {
    if (!Number.isInteger(cellPx) || cellPx < 1) throw new InvalidArgumentError(`cellPx must be a positive integer, got ${cellPx}`);
    const pic = m.segmentation?.info.picture;
    if (!pic) throw new InvalidArgumentError('density needs measurements of a segmentation (with its picture)');
    const origin = pic.info.origin ?? { x: 0, y: 0 };
    const cols = Math.ceil(pic.width / cellPx);
    const rows = Math.ceil(pic.height / cellPx);
    const counts = new Uint32Array(cols * rows);
    for (const n of m.nuclei) {
      const c = Math.floor((n.centroid.x - origin.x) / cellPx);
      const r = Math.floor((n.centroid.y - origin.y) / cellPx);
      if (c >= 0 && r >= 0 && c < cols && r < rows) counts[r * cols + c]++;
    }
    const max = counts.reduce((a, b) => Math.max(a, b), 0);
    const mpp = pic.info.mpp;
    const maxPerMm2 = mpp ? max / ((cellPx * mpp) / 1000) ** 2 : undefined;
    const out = new Uint8Array(pic.rgb.data.length);
    for (let y = 0; y < pic.height; y++) {
      for (let x = 0; x < pic.width; x++) {
        const v = max > 0 ? Math.round((255 * counts[Math.floor(y / cellPx) * cols + Math.floor(x / cellPx)]) / max) : 0;
        const i = 3 * (y * pic.width + x);
        for (let k = 0; k < 3; k++) out[i + k] = Math.round(0.5 * pic.rgb.data[i + k] + 0.5 * VIRIDIS[3 * v + k]);
      }
    }
    const unit = maxPerMm2 !== undefined ? `${Math.round(maxPerMm2)} nuclei/mm²` : `${max} nuclei per cell`;
    const text = `nucleus density on ${pic.info.name}: ${cols}x${rows} cells of ${cellPx} px, densest ${unit} (viridis, yellow = densest)`;
    return new DensityMap(counts, cols, rows, cellPx, maxPerMm2, await pictureBundle({ width: pic.width, height: pic.height, data: out }, mpp, text));
  }

  mimeBundle(): MimeBundle {
    return this.bundle;
  }

  summary(): string {
    return String(this.bundle['text/plain']);
  }
}

/**
 * Nucleus density heat map of measured nuclei (cells of `cellPx` level-0 px, default 128).
 * @example
 * await density(await measure(seg), 256);
 */
export function density(m: Measurements, cellPx = 128): Promise<DensityMap> {
  return DensityMap.create(m, cellPx);
}
