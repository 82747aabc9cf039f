/**
 * A uniform-grid index over nucleus bounding boxes, for hover and click hit-tests in
 * O(nuclei near the point). DOM-free.
 */
import { recordHolds, type NucleusRecord } from './nucleus-record.js';

/** Records bucketed by the grid cells their bounding boxes meet. */
export class SpatialIndex {
  private readonly cells = new Map<number, NucleusRecord[]>();
  /**
   * @param records nuclei to index (level-0 px)
   * @param cellSize grid cell side, level-0 px (about two nucleus diameters works well)
   */
  constructor(records: Iterable<NucleusRecord>, private readonly cellSize = 64) {
    for (const r of records) {
      const c0 = Math.floor(r.minX / cellSize);
      const c1 = Math.floor(r.maxX / cellSize);
      const r0 = Math.floor(r.minY / cellSize);
      const r1 = Math.floor(r.maxY / cellSize);
      for (let row = r0; row <= r1; row++) {
        for (let col = c0; col <= c1; col++) {
          const k = this.key(col, row);
          const bucket = this.cells.get(k);
          if (bucket) bucket.push(r);
          else this.cells.set(k, [r]);
        }
      }
    }
  }

  private key(col: number, row: number): number {
    // Slides are under 2^26 px a side, so cell indices fit 20 bits each with room to spare.
    return (row + 1) * 0x200000 + (col + 1);
  }

  /**
   * The nucleus whose outline holds (x, y), level-0 px; the smallest one when outlines overlap.
   * @example
   * new SpatialIndex(records).at(1024.5, 2048.5)?.id;
   */
  at(x: number, y: number): NucleusRecord | undefined {
    const bucket = this.cells.get(this.key(Math.floor(x / this.cellSize), Math.floor(y / this.cellSize)));
    if (!bucket) return undefined;
    let best: NucleusRecord | undefined;
    for (const r of bucket) {
      if (!recordHolds(r, x, y)) continue;
      if (!best || (r.measurements.Area ?? Infinity) < (best.measurements.Area ?? Infinity)) best = r;
    }
    return best;
  }
}
