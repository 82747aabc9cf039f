/**
 * Fitting stain parameters: Vahadane's sparse non-negative matrix factorization (SNMF) and
 * Macenko's SVD angle method.
 *
 * - Vahadane A. et al., "Structure-Preserving Color Normalization and Sparse Stain Separation
 *   for Histological Images", IEEE TMI 35(8), 2016. DOI 10.1109/TMI.2016.2529665 (SPCN).
 * - Macenko M. et al., "A method for normalizing histology slides for quantitative analysis",
 *   ISBI 2009. DOI 10.1109/ISBI.2009.5193250.
 */
import { InvalidArgumentError } from '../errors/index.js';
import type { RgbImage } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';
import type { OdVector, StainMethod, StainParams } from './types.js';
import { tissueOdSamples } from './optical-density.js';
import { TwoStainSolver, percentile } from './concentrations.js';

/** Ruifrok & Johnston's H and E OD vectors, used when a stain cannot be estimated. */
export const REFERENCE_HEMATOXYLIN: OdVector = [0.65, 0.704, 0.286];
export const REFERENCE_EOSIN: OdVector = [0.0728, 0.99, 0.1049];

/** Options of {@link fitStain}. */
export interface FitStainOptions {
  /** Default `'vahadane'`. */
  readonly method?: StainMethod;
  /** Intensity of empty glass. Default 255. */
  readonly background?: number;
  /** Pixels whose OD vector is no longer than this count as background. Default 0.15. */
  readonly minOd?: number;
  /** Pixels sampled for the fit (evenly, deterministic). Default 20000. */
  readonly maxSamples?: number;
  /** Sparsity weight of the Vahadane lasso. Default 0.1 (as in SPCN). */
  readonly lambda?: number;
  /** Alternating iterations of the Vahadane SNMF. Default 60. */
  readonly iterations?: number;
}

const MIN_TISSUE_SAMPLES = 100;

function normalize(v: readonly number[]): OdVector | undefined {
  const x = Math.max(0, v[0]);
  const y = Math.max(0, v[1]);
  const z = Math.max(0, v[2]);
  const n = Math.hypot(x, y, z);
  return n > 1e-8 ? [x / n, y / n, z / n] : undefined;
}

/** Hematoxylin absorbs red more than eosin does: order the pair so H comes first. */
function orderHe(a: OdVector, b: OdVector): [OdVector, OdVector] {
  return a[0] >= b[0] ? [a, b] : [b, a];
}

/** Eigen-decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations. */
function symmetricEigen3(m: number[][]): { values: number[]; vectors: number[][] } {
  const a = m.map((row) => row.slice());
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
    if (off < 1e-18) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      if (Math.abs(a[p][q]) < 1e-15) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k][p];
        const akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k];
        const aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p];
        const vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => [v[0][i], v[1][i], v[2][i]]) };
}

/** Macenko: project OD onto the plane of the two main directions, take robust extreme angles. */
function macenkoMatrix(od: Float32Array): [OdVector, OdVector] | undefined {
  const n = od.length / 3;
  const cov = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const mean = [0, 0, 0];
  for (let k = 0; k < n; k++) for (let c = 0; c < 3; c++) mean[c] += od[3 * k + c] / n;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < 3; i++) {
      for (let j = i; j < 3; j++) cov[i][j] += (od[3 * k + i] - mean[i]) * (od[3 * k + j] - mean[j]);
    }
  }
  cov[1][0] = cov[0][1];
  cov[2][0] = cov[0][2];
  cov[2][1] = cov[1][2];
  const { vectors } = symmetricEigen3(cov);
  // Eigenvector signs are arbitrary; point both into the positive OD octant.
  const e1 = vectors[0].map((x) => x * (vectors[0].reduce((s, y) => s + y, 0) < 0 ? -1 : 1));
  const e2 = vectors[1].map((x) => x * (vectors[1].reduce((s, y) => s + y, 0) < 0 ? -1 : 1));
  const angles = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const p1 = e1[0] * od[3 * k] + e1[1] * od[3 * k + 1] + e1[2] * od[3 * k + 2];
    const p2 = e2[0] * od[3 * k] + e2[1] * od[3 * k + 1] + e2[2] * od[3 * k + 2];
    angles[k] = Math.atan2(p2, p1);
  }
  const lo = percentile(angles, 0.01);
  const hi = percentile(angles, 0.99);
  const va = normalize([0, 1, 2].map((c) => e1[c] * Math.cos(lo) + e2[c] * Math.sin(lo)));
  const vb = normalize([0, 1, 2].map((c) => e1[c] * Math.cos(hi) + e2[c] * Math.sin(hi)));
  if (!va || !vb) return undefined;
  return orderHe(va, vb);
}

/**
 * Vahadane SNMF: V (3 x n) ~ W (3 x 2) H (2 x n) with W >= 0 unit columns and H >= 0
 * sparse (L1 weight lambda). Alternates the exact per-pixel lasso for H with a
 * block-coordinate update of W's columns projected onto the constraints. Started from Macenko's
 * estimate so the factorization lands on the H&E pair rather than an arbitrary split.
 */
function vahadaneMatrix(od: Float32Array, lambda: number, iterations: number, init: [OdVector, OdVector]): [OdVector, OdVector] | undefined {
  const n = od.length / 3;
  let w: [OdVector, OdVector] = init;
  const h = new Float64Array(2 * n);
  const pair = new Float64Array(2);
  for (let it = 0; it < iterations; it++) {
    const solver = new TwoStainSolver(w[0], w[1], lambda);
    // Accumulate H H^T and V H^T while solving H.
    let hh00 = 0;
    let hh01 = 0;
    let hh11 = 0;
    const vh = [
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    for (let k = 0; k < n; k++) {
      const r = od[3 * k];
      const g = od[3 * k + 1];
      const b = od[3 * k + 2];
      solver.solve(r, g, b, pair);
      h[2 * k] = pair[0];
      h[2 * k + 1] = pair[1];
      hh00 += pair[0] * pair[0];
      hh01 += pair[0] * pair[1];
      hh11 += pair[1] * pair[1];
      vh[0][0] += r * pair[0];
      vh[0][1] += r * pair[1];
      vh[1][0] += g * pair[0];
      vh[1][1] += g * pair[1];
      vh[2][0] += b * pair[0];
      vh[2][1] += b * pair[1];
    }
    // Dictionary update by block coordinate descent on each column (Mairal et al. 2010,
    // DOI 10.5555/1756006.1756008, the solver SPCN used): u = w_j + (B_j - W A_j) / A_jj,
    // projected onto { w >= 0, |w| <= 1 }. Full least squares followed by clipping instead
    // lets one stain swallow the other and collapses H onto a single channel.
    const A = [
      [hh00, hh01],
      [hh01, hh11],
    ];
    if (!(hh00 > 1e-12 && hh11 > 1e-12)) return undefined;
    const cols: number[][] = [w[0].slice(), w[1].slice()];
    for (let pass = 0; pass < 3; pass++) {
      for (let j = 0; j < 2; j++) {
        const u = [0, 1, 2].map((c) => {
          const wa = cols[0][c] * A[0][j] + cols[1][c] * A[1][j];
          return cols[j][c] + (vh[c][j] - wa) / A[j][j];
        });
        const clipped = u.map((x) => Math.max(0, x));
        const norm = Math.hypot(clipped[0], clipped[1], clipped[2]);
        cols[j] = norm > 1 ? clipped.map((x) => x / norm) : clipped;
      }
    }
    const a = normalize(cols[0]);
    const b = normalize(cols[1]);
    if (!a || !b) return undefined;
    const moved = Math.abs(a[0] - w[0][0]) + Math.abs(a[1] - w[0][1]) + Math.abs(a[2] - w[0][2]) +
      Math.abs(b[0] - w[1][0]) + Math.abs(b[1] - w[1][1]) + Math.abs(b[2] - w[1][2]);
    w = [a, b];
    if (moved < 1e-6) break;
  }
  return orderHe(w[0], w[1]);
}

function angleBetween(a: OdVector, b: OdVector): number {
  return Math.acos(Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]));
}

/**
 * Fits stain parameters to an RGB image (or a tissue sample of a slide).
 *
 * Degenerate inputs give defined results, never NaN: with no tissue the reference H&E
 * matrix is returned (`fallback: 'no-tissue'`, max concentrations 1); when the two
 * estimated stains collapse onto one direction (a single-stain tile), the stain farther from
 * its reference is replaced by the reference vector (`fallback: 'single-stain'`).
 * @param img RGB image, any size; only tissue pixels count
 * @throws {InvalidArgumentError} for out-of-range options; {@link ShapeError} for malformed data.
 * @example
 * const params = fitStain(tile, { method: 'vahadane' });
 * JSON.stringify(params); // plain JSON, cacheable per slide
 */
export function fitStain(img: RgbImage, options: FitStainOptions = {}): StainParams {
  assertRasterShape('image', img, 3);
  const method = options.method ?? 'vahadane';
  if (method !== 'vahadane' && method !== 'macenko') {
    throw new InvalidArgumentError(`unknown stain method "${String(method)}" (expected vahadane or macenko)`);
  }
  const background = options.background ?? 255;
  if (!(background > 1 && background <= 255)) throw new InvalidArgumentError(`background must be in (1, 255], got ${background}`);
  const lambda = options.lambda ?? 0.1;
  const od = tissueOdSamples(img, background, options.minOd ?? 0.15, options.maxSamples ?? 20000);
  if (od.length / 3 < MIN_TISSUE_SAMPLES) {
    return {
      method,
      stainMatrix: [REFERENCE_HEMATOXYLIN, REFERENCE_EOSIN],
      maxConcentrations: [1, 1],
      background,
      fallback: 'no-tissue',
    };
  }
  let fallback: StainParams['fallback'];
  const macenko = macenkoMatrix(od);
  let matrix: [OdVector, OdVector] | undefined =
    method === 'macenko' ? macenko : vahadaneMatrix(od, lambda, options.iterations ?? 60, macenko ?? [REFERENCE_HEMATOXYLIN, REFERENCE_EOSIN]);
  // Two stains less than ~5 degrees apart mean the tile holds one stain only.
  if (!matrix || angleBetween(matrix[0], matrix[1]) < 0.09) {
    fallback = 'single-stain';
    const found = matrix?.[0] ?? macenko?.[0] ?? REFERENCE_HEMATOXYLIN;
    matrix =
      angleBetween(found, REFERENCE_HEMATOXYLIN) <= angleBetween(found, REFERENCE_EOSIN)
        ? [found, REFERENCE_EOSIN]
        : [REFERENCE_HEMATOXYLIN, found];
  }
  // The same unbiased solver as stainConcentrations/normalizeStain, so the robust maxima scale
  // the concentrations those functions compute.
  const solver = new TwoStainSolver(matrix[0], matrix[1], 0);
  const n = od.length / 3;
  const hc = new Float32Array(n);
  const ec = new Float32Array(n);
  const pair = new Float64Array(2);
  for (let k = 0; k < n; k++) {
    solver.solve(od[3 * k], od[3 * k + 1], od[3 * k + 2], pair);
    hc[k] = pair[0];
    ec[k] = pair[1];
  }
  const maxH = percentile(hc, 0.99);
  const maxE = percentile(ec, 0.99);
  const params: StainParams = {
    method,
    stainMatrix: matrix,
    maxConcentrations: [maxH > 1e-6 ? maxH : 1, maxE > 1e-6 ? maxE : 1],
    background,
  };
  return fallback ? { ...params, fallback } : params;
}
