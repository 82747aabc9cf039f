import { ShapeError } from '../errors/index.js';
import type { RgbImage } from '../raster/types.js';
import { assertRasterShape } from '../raster/create.js';
import type { StainConcentrations, StainParams } from './types.js';
import { odTable } from './optical-density.js';
import { TwoStainSolver } from './concentrations.js';

// Concentrations are non-negative least squares for both methods. Vahadane's sparsity weight
// belongs to learning the stain matrix (fit.ts); applied per pixel it would take lambda OD off
// every stained pixel, so normalizing an image to its own parameters would brighten it.
function solverFor(params: StainParams): TwoStainSolver {
  return new TwoStainSolver(params.stainMatrix[0], params.stainMatrix[1], 0);
}

/** Most colours remembered; past this a tile of noise would only grow the table. */
const MEMO_LIMIT = 1 << 20;

/**
 * Colour (24-bit RGB) -> first pixel of that colour, by open addressing on typed arrays: a
 * Map's boxed entries cost more than the two-stain solve they save.
 */
class FirstPixelOfColour {
  private keys: Int32Array;
  private pixels: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected: number) {
    let cap = 1024;
    while (cap < 2 * Math.min(expected, MEMO_LIMIT)) cap *= 2;
    this.keys = new Int32Array(cap).fill(-1);
    this.pixels = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** The slot of `key`: holding it, or the empty slot where it would go. */
  private slot(key: number): number {
    let s = Math.imul(key, 0x9e3779b1) >>> 0 & this.mask;
    while (this.keys[s] !== -1 && this.keys[s] !== key) s = (s + 1) & this.mask;
    return s;
  }

  get(key: number): number {
    const s = this.slot(key);
    return this.keys[s] === key ? this.pixels[s] : -1;
  }

  set(key: number, pixel: number): void {
    if (2 * (this.size + 1) > this.keys.length) this.grow();
    const s = this.slot(key);
    if (this.keys[s] === -1) this.size++;
    this.keys[s] = key;
    this.pixels[s] = pixel;
  }

  private grow(): void {
    const { keys, pixels } = this;
    this.keys = new Int32Array(keys.length * 2).fill(-1);
    this.pixels = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let s = 0; s < keys.length; s++) {
      if (keys[s] === -1) continue;
      const t = this.slot(keys[s]);
      this.keys[t] = keys[s];
      this.pixels[t] = pixels[s];
    }
  }
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
  const firstWithColour = new FirstPixelOfColour(n);
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
