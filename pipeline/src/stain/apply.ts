import { ShapeError } from '../errors/index.js';
import type { RgbImage } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';
import type { StainConcentrations, StainParams } from './types.js';
import { odTable } from './optical-density.js';
import { TwoStainSolver } from './concentrations.js';
import { ColourIndex, MEMO_LIMIT } from './colour-index.js';

// Concentrations are non-negative least squares for both methods. Vahadane's sparsity weight
// belongs to learning the stain matrix (fit.ts); applied per pixel it would take lambda OD off
// every stained pixel, so normalizing an image to its own parameters would brighten it.
function solverFor(params: StainParams): TwoStainSolver {
  return new TwoStainSolver(params.stainMatrix[0], params.stainMatrix[1], 0);
}

/**
 * Solves the concentrations of every pixel, each distinct RGB value once: H&E tiles repeat
 * colours a lot (flat glass, saturated nuclei). `write(i, h, e)` receives a freshly solved
 * pixel; `copy(i, from)` says pixel `i` has the colour of the earlier pixel `from`.
 */
function solveEachPixel(
  params: StainParams,
  img: RgbImage,
  write: (i: number, h: number, e: number) => void,
  copy: (i: number, from: number) => void,
): void {
  const table = odTable(params.background);
  const solver = solverFor(params);
  const n = img.width * img.height;
  const pair = new Float64Array(2);
  const firstWithColour = new ColourIndex(n);
  for (let i = 0; i < n; i++) {
    const r = img.data[3 * i];
    const g = img.data[3 * i + 1];
    const b = img.data[3 * i + 2];
    const key = (r << 16) | (g << 8) | b;
    const hit = firstWithColour.get(key);
    if (hit >= 0) {
      copy(i, hit);
      continue;
    }
    solver.solve(table[r], table[g], table[b], pair);
    write(i, pair[0], pair[1]);
    if (firstWithColour.size < MEMO_LIMIT) firstWithColour.set(key, i);
  }
}

/**
 * Per-pixel hematoxylin and eosin concentrations under the given stain parameters
 * (non-negative least squares, whichever method fitted them).
 * @param params stain parameters from {@link fitStain}
 * @param img RGB image (width x height x 3, uint8)
 * @returns two float32 planes of width x height, in OD units (0 on empty glass)
 */
export function stainConcentrations(params: StainParams, img: RgbImage): StainConcentrations {
  assertRasterShape('image', img, 3);
  const n = img.width * img.height;
  const hematoxylin = new Float32Array(n);
  const eosin = new Float32Array(n);
  solveEachPixel(
    params,
    img,
    (i, h, e) => {
      hematoxylin[i] = h;
      eosin[i] = e;
    },
    (i, from) => {
      hematoxylin[i] = hematoxylin[from];
      eosin[i] = eosin[from];
    },
  );
  return { width: img.width, height: img.height, hematoxylin, eosin };
}

/**
 * Structure-preserving colour normalization (SPCN, Vahadane et al. 2016,
 * DOI 10.1109/TMI.2016.2529665): decompose `img` with its own stain parameters, rescale each
 * stain's concentrations so their robust maximum matches the target's, and recompose with
 * the target's stain matrix. Empty glass stays white.
 * @param source parameters fitted on the slide or image being normalized
 * @param target parameters of the reference appearance (e.g. {@link DEFAULT_STAIN_TARGET})
 * @param img RGB image to normalize (not modified)
 * @returns a new RGB image of the same size
 * @throws {ShapeError} when img.data does not match its size, or background levels differ in range.
 * @example
 * const normalized = normalizeStain(fitStain(tile), DEFAULT_STAIN_TARGET.params, tile);
 */
export function normalizeStain(source: StainParams, target: StainParams, img: RgbImage): RgbImage {
  assertRasterShape('image', img, 3);
  if (!(target.background > 1)) throw new ShapeError(`target background must be > 1, got ${target.background}`);
  const scaleH = target.maxConcentrations[0] / (source.maxConcentrations[0] || 1);
  const scaleE = target.maxConcentrations[1] / (source.maxConcentrations[1] || 1);
  const [th, te] = target.stainMatrix;
  const io = target.background;
  const out = new Uint8Array(img.width * img.height * 3);
  solveEachPixel(
    source,
    img,
    (i, h, e) => {
      for (let c = 0; c < 3; c++) {
        const v = io * Math.exp(-(th[c] * h * scaleH + te[c] * e * scaleE));
        out[3 * i + c] = v > 255 ? 255 : v < 0 ? 0 : Math.round(v);
      }
    },
    (i, from) => out.copyWithin(3 * i, 3 * from, 3 * from + 3),
  );
  return { width: img.width, height: img.height, data: out };
}

/**
 * Hematoxylin per colour under one slide's stain parameters, remembered across calls: the
 * tiles of a slide share most of their colours, so measuring tile after tile solves each
 * colour once. Values are those {@link stainConcentrations} gives (float32).
 * @example
 * const memo = new HematoxylinMemo(slideStain);
 * const h = memo.of(120, 60, 160);
 */
export class HematoxylinMemo {
  private readonly table: Float32Array;
  private readonly solver: TwoStainSolver;
  private readonly index = new ColourIndex(1 << 16);
  private values = new Float32Array(1 << 16);
  private readonly pair = new Float64Array(2);

  constructor(readonly params: StainParams) {
    this.table = odTable(params.background);
    this.solver = solverFor(params);
  }

  /** Hematoxylin concentration (OD units) of the colour (r, g, b), each 0..255. */
  of(r: number, g: number, b: number): number {
    const key = (r << 16) | (g << 8) | b;
    const slot = this.index.get(key);
    if (slot >= 0) return this.values[slot];
    this.solver.solve(this.table[r], this.table[g], this.table[b], this.pair);
    const h = Math.fround(this.pair[0]);
    const size = this.index.size;
    if (size < MEMO_LIMIT) {
      if (size === this.values.length) {
        const grown = new Float32Array(2 * size);
        grown.set(this.values);
        this.values = grown;
      }
      this.values[size] = h;
      this.index.set(key, size);
    }
    return h;
  }
}
