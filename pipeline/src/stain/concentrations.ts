import type { OdVector } from './types.js';

/**
 * Solves the two-stain non-negative lasso for one pixel exactly:
 * minimise 0.5 |od - h*W0 - e*W1|^2 + lambda (h + e) subject to h, e >= 0.
 * With two unknowns the KKT cases can be enumerated, so no iteration is needed.
 */
export class TwoStainSolver {
  private readonly g00: number;
  private readonly g01: number;
  private readonly g11: number;
  private readonly det: number;
  constructor(
    private readonly w0: OdVector,
    private readonly w1: OdVector,
    private readonly lambda: number,
  ) {
    this.g00 = w0[0] * w0[0] + w0[1] * w0[1] + w0[2] * w0[2];
    this.g11 = w1[0] * w1[0] + w1[1] * w1[1] + w1[2] * w1[2];
    this.g01 = w0[0] * w1[0] + w0[1] * w1[1] + w0[2] * w1[2];
    this.det = this.g00 * this.g11 - this.g01 * this.g01;
  }

  /** Writes [h, e] for the pixel with optical density (r, g, b) into `out`. */
  solve(r: number, g: number, b: number, out: Float64Array): void {
    const { w0, w1, lambda, g00, g01, g11, det } = this;
    const b0 = w0[0] * r + w0[1] * g + w0[2] * b - lambda;
    const b1 = w1[0] * r + w1[1] * g + w1[2] * b - lambda;
    if (det > 1e-12) {
      const h = (g11 * b0 - g01 * b1) / det;
      const e = (g00 * b1 - g01 * b0) / det;
      if (h >= 0 && e >= 0) {
        out[0] = h;
        out[1] = e;
        return;
      }
    }
    // One stain at zero: each single-stain solution, keep the lower objective.
    const hOnly = g00 > 0 ? Math.max(0, b0 / g00) : 0;
    const eOnly = g11 > 0 ? Math.max(0, b1 / g11) : 0;
    // Objective relative to 0.5|od|^2: 0.5 g c^2 - b c for a single active stain.
    const fh = 0.5 * g00 * hOnly * hOnly - b0 * hOnly;
    const fe = 0.5 * g11 * eOnly * eOnly - b1 * eOnly;
    if (fh <= fe) {
      out[0] = hOnly;
      out[1] = 0;
    } else {
      out[0] = 0;
      out[1] = eOnly;
    }
  }
}

/** The value below which `fraction` of `values` lie (nearest rank on a sorted copy). */
export function percentile(values: Float32Array | Float64Array, fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.round(fraction * (sorted.length - 1))));
  return sorted[rank];
}
