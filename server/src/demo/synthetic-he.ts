/**
 * A deterministic synthetic H&E slide, rendered band by band: white glass, tissue islands
 * of pink eosin stroma with fibre texture, glands (pale lumen, epithelial ring, basal
 * nuclei), sheets of tumour-like nuclei, lymphocyte clusters and sparse spindle nuclei.
 * Sizes assume 0.25 µm/px (40x): nuclei are 8-20 px in radius. Everything follows from
 * the seed; bands may be rendered in any order. Browser-safe (no Node built-ins).
 */
import { InvalidArgumentError, type RgbImage } from '@nucleilens/pipeline';

/** Options of {@link SyntheticHe}. */
export interface SyntheticHeOptions {
  readonly width: number;
  readonly height: number;
  readonly seed: number;
}

/** A small fast seeded PRNG (mulberry32), uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEX = 512; // texture side (power of two: coordinates wrap with a mask)
const GRID = 64; // level-0 px per cell of the low-resolution fields

/** Smooth tileable value noise on a TEX x TEX grid, `cells` lattice cells per side, in [0, 1]. */
function valueNoiseTexture(rng: () => number, cells: number, stretchX = 1): Float32Array {
  const lattice = new Float32Array(cells * cells).map(() => rng());
  const out = new Float32Array(TEX * TEX);
  const cx = Math.max(1, Math.round(cells / stretchX));
  for (let y = 0; y < TEX; y++) {
    const fy = (y / TEX) * cells;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    const sy = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < TEX; x++) {
      const fx = (x / TEX) * cx;
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      const sx = tx * tx * (3 - 2 * tx);
      const a = lattice[(y0 % cells) * cells + (x0 % cx)];
      const b = lattice[(y0 % cells) * cells + ((x0 + 1) % cx)];
      const c = lattice[((y0 + 1) % cells) * cells + (x0 % cx)];
      const d = lattice[((y0 + 1) % cells) * cells + ((x0 + 1) % cx)];
      out[y * TEX + x] = (a + (b - a) * sx) * (1 - sy) + (c + (d - c) * sx) * sy;
    }
  }
  return out;
}

/** A low-resolution scalar field over the slide (one value per GRID px), fractal value noise in [0, 1]. */
class Field {
  readonly gw: number;
  readonly gh: number;
  readonly data: Float32Array;
  constructor(width: number, height: number, rng: () => number, octaves: readonly [cellsPx: number, weight: number][]) {
    this.gw = Math.ceil(width / GRID) + 2;
    this.gh = Math.ceil(height / GRID) + 2;
    this.data = new Float32Array(this.gw * this.gh);
    let total = 0;
    for (const [cellPx, weight] of octaves) {
      total += weight;
      const step = cellPx / GRID;
      const lw = Math.ceil(this.gw / step) + 2;
      const lh = Math.ceil(this.gh / step) + 2;
      const lattice = new Float32Array(lw * lh).map(() => rng());
      for (let gy = 0; gy < this.gh; gy++) {
        const fy = gy / step;
        const y0 = Math.floor(fy);
        const ty = fy - y0;
        const sy = ty * ty * (3 - 2 * ty);
        for (let gx = 0; gx < this.gw; gx++) {
          const fx = gx / step;
          const x0 = Math.floor(fx);
          const tx = fx - x0;
          const sx = tx * tx * (3 - 2 * tx);
          const a = lattice[y0 * lw + x0];
          const b = lattice[y0 * lw + x0 + 1];
          const c = lattice[(y0 + 1) * lw + x0];
          const d = lattice[(y0 + 1) * lw + x0 + 1];
          this.data[gy * this.gw + gx] += weight * ((a + (b - a) * sx) * (1 - sy) + (c + (d - c) * sx) * sy);
        }
      }
    }
    for (let i = 0; i < this.data.length; i++) this.data[i] /= total;
  }
  /** Bilinear value at level-0 (x, y). */
  at(x: number, y: number): number {
    const fx = x / GRID;
    const fy = y / GRID;
    const x0 = Math.min(this.gw - 2, Math.max(0, Math.floor(fx)));
    const y0 = Math.min(this.gh - 2, Math.max(0, Math.floor(fy)));
    const tx = fx - x0;
    const ty = fy - y0;
    const i = y0 * this.gw + x0;
    const a = this.data[i];
    const b = this.data[i + 1];
    const c = this.data[i + this.gw];
    const d = this.data[i + this.gw + 1];
    return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
  }
}

interface Gland {
  readonly cx: number;
  readonly cy: number;
  readonly rx: number;
  readonly ry: number;
  readonly cos: number;
  readonly sin: number;
}

/** Nuclei kinds, each with its own size and colour statistics. */
const enum Kind {
  Epithelial = 0,
  Tumour = 1,
  Lymphocyte = 2,
  Spindle = 3,
}

function smoothstep(e0: number, e1: number, v: number): number {
  const t = Math.min(1, Math.max(0, (v - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

/** Tissue starts above this value of the tissue field (about half the slide is tissue). */
const TISSUE_LEVEL = 0.5;

/**
 * The synthetic slide: construct once (places every structure), then {@link renderBand}.
 * @example
 * const he = new SyntheticHe({ width: 20000, height: 20000, seed: 1 });
 * const rows = he.renderBand(0, 256); // RgbImage 20000 x 256
 */
export class SyntheticHe {
  readonly width: number;
  readonly height: number;
  /** Number of nuclei placed (for reporting). */
  readonly nucleusCount: number;
  private readonly tissue: Field;
  private readonly tone: Field;
  private readonly fibre: Float32Array;
  private readonly fibre2: Float32Array;
  private readonly grain: Float32Array;
  private readonly glands: Gland[] = [];
  // Nuclei as columns: centre, semi-axes, orientation, darkness, kind.
  private readonly nx: Float32Array;
  private readonly ny: Float32Array;
  private readonly na: Float32Array;
  private readonly nb: Float32Array;
  private readonly ncos: Float32Array;
  private readonly nsin: Float32Array;
  private readonly ndark: Float32Array;
  private readonly nkind: Uint8Array;
  /** Nucleus indices per 256-row bucket of centre y. */
  private readonly buckets: Int32Array[];

  /** @throws {InvalidArgumentError} for a non-positive size. */
  constructor(o: SyntheticHeOptions) {
    if (!(Number.isInteger(o.width) && Number.isInteger(o.height) && o.width > 0 && o.height > 0)) {
      throw new InvalidArgumentError(`synthetic slide size must be positive integers, got ${o.width}x${o.height}`);
    }
    this.width = o.width;
    this.height = o.height;
    const rng = mulberry32(o.seed);
    this.tissue = new Field(o.width, o.height, rng, [
      [6000, 1],
      [2500, 0.6],
      [900, 0.25],
    ]);
    this.tone = new Field(o.width, o.height, rng, [[3000, 1]]);
    const cellularity = new Field(o.width, o.height, rng, [
      [3000, 1],
      [1200, 0.5],
    ]);
    const lymph = new Field(o.width, o.height, rng, [
      [1500, 1],
      [600, 0.4],
    ]);
    const glandZone = new Field(o.width, o.height, rng, [[4000, 1]]);
    this.fibre = valueNoiseTexture(rng, 48, 3);
    this.fibre2 = valueNoiseTexture(rng, 32, 3);
    this.grain = valueNoiseTexture(rng, 128);
    // White margin: fade the tissue field out near the slide edges.
    const edge = (x: number, y: number) =>
      Math.min(1, Math.min(x, y, o.width - x, o.height - y) / (0.08 * Math.min(o.width, o.height)));
    const tissueAt = (x: number, y: number) => this.tissue.at(x, y) * (0.55 + 0.45 * edge(x, y)) - (1 - edge(x, y)) * 0.3;
    // Overwrite the tissue field with the edge-faded one so rendering and placement agree.
    for (let gy = 0; gy < this.tissue.gh; gy++) {
      for (let gx = 0; gx < this.tissue.gw; gx++) this.tissue.data[gy * this.tissue.gw + gx] = tissueAt(gx * GRID, gy * GRID);
    }
    const inTissue = (x: number, y: number, margin: number) => this.tissue.at(x, y) > TISSUE_LEVEL + margin;

    // Glands on a jittered grid, where the gland zone is high, not overlapping each other.
    const spacing = 1400;
    for (let gy = 0; gy * spacing < o.height; gy++) {
      for (let gx = 0; gx * spacing < o.width; gx++) {
        const cx = (gx + 0.2 + 0.6 * rng()) * spacing;
        const cy = (gy + 0.2 + 0.6 * rng()) * spacing;
        const rx = 260 + 260 * rng();
        const ry = rx * (0.55 + 0.4 * rng());
        const ang = rng() * Math.PI;
        if (glandZone.at(cx, cy) < 0.45 || !inTissue(cx, cy, 0.06)) continue;
        if (this.glands.some((g) => Math.hypot(g.cx - cx, g.cy - cy) < g.rx + rx + 60)) continue;
        this.glands.push({ cx, cy, rx, ry, cos: Math.cos(ang), sin: Math.sin(ang) });
      }
    }
    const inGland = (x: number, y: number, grow: number) =>
      this.glands.some((g) => {
        const dx = x - g.cx;
        const dy = y - g.cy;
        const u = (dx * g.cos + dy * g.sin) / (g.rx + grow);
        const v = (-dx * g.sin + dy * g.cos) / (g.ry + grow);
        return u * u + v * v < 1;
      });

    const nuclei: number[][] = [];
    const add = (x: number, y: number, a: number, b: number, ang: number, dark: number, kind: Kind) =>
      nuclei.push([x, y, a, b, Math.cos(ang), Math.sin(ang), dark, kind]);
    // Basal nuclei along each gland's epithelial ring, long axis pointing to the lumen.
    for (const g of this.glands) {
      const perimeter = 2 * Math.PI * Math.sqrt((g.rx * g.rx + g.ry * g.ry) / 2) * 0.8;
      const n = Math.floor(perimeter / 22);
      for (let k = 0; k < n; k++) {
        const t = ((k + 0.3 * rng()) / n) * 2 * Math.PI;
        const f = 0.79 + 0.06 * rng();
        const lx = Math.cos(t) * g.rx * f;
        const ly = Math.sin(t) * g.ry * f;
        const x = g.cx + lx * g.cos - ly * g.sin;
        const y = g.cy + lx * g.sin + ly * g.cos;
        add(x, y, 13 + 5 * rng(), 7.5 + 2.5 * rng(), Math.atan2(y - g.cy, x - g.cx) + 0.3 * (rng() - 0.5), 0.5 + 0.3 * rng(), Kind.Epithelial);
      }
    }
    // Sheets of tumour-like nuclei where cellularity is high; sparse spindle nuclei elsewhere in stroma.
    const step = 34;
    for (let y = step / 2; y < o.height; y += step) {
      for (let x = step / 2; x < o.width; x += step) {
        const r1 = rng();
        const r2 = rng();
        const r3 = rng();
        const r4 = rng();
        if (!inTissue(x, y, 0.02)) continue;
        const px = x + (r2 - 0.5) * step * 0.7;
        const py = y + (r3 - 0.5) * step * 0.7;
        const c = cellularity.at(px, py);
        if (c > 0.5 && r1 < smoothstep(0.5, 0.6, c) * 0.92) {
          if (inGland(px, py, 40)) continue;
          const rad = 10.5 + 5.5 * r4;
          add(px, py, rad, rad * (0.72 + 0.25 * r1), r2 * Math.PI, 0.35 + 0.45 * r3, Kind.Tumour);
        } else if (r1 < 0.035) {
          if (inGland(px, py, 40)) continue;
          add(px, py, 15 + 5 * r4, 6 + 1.5 * r3, this.fibreAngle(px, py) + 1.6 * (r2 - 0.5), 0.55 + 0.3 * r3, Kind.Spindle);
        }
      }
    }
    // Lymphocyte clusters: small, round, very dark, tightly packed.
    const lstep = 21;
    for (let y = lstep / 2; y < o.height; y += lstep) {
      for (let x = lstep / 2; x < o.width; x += lstep) {
        const r1 = rng();
        const r2 = rng();
        const r3 = rng();
        const l = lymph.at(x, y);
        if (l < 0.62 || !inTissue(x, y, 0.03) || r1 > smoothstep(0.62, 0.7, l) * 0.85) continue;
        const px = x + (r2 - 0.5) * lstep * 0.5;
        const py = y + (r3 - 0.5) * lstep * 0.5;
        if (inGland(px, py, 30) || cellularity.at(px, py) > 0.5) continue;
        const rad = 8 + 2 * r3;
        add(px, py, rad, rad * (0.88 + 0.1 * r2), r1 * Math.PI, 0.85 + 0.15 * r2, Kind.Lymphocyte);
      }
    }
    const n = nuclei.length;
    this.nucleusCount = n;
    this.nx = new Float32Array(n);
    this.ny = new Float32Array(n);
    this.na = new Float32Array(n);
    this.nb = new Float32Array(n);
    this.ncos = new Float32Array(n);
    this.nsin = new Float32Array(n);
    this.ndark = new Float32Array(n);
    this.nkind = new Uint8Array(n);
    const counts = new Int32Array(Math.ceil(o.height / 256) + 1);
    nuclei.forEach((v, i) => {
      [this.nx[i], this.ny[i], this.na[i], this.nb[i], this.ncos[i], this.nsin[i], this.ndark[i]] = v;
      this.nkind[i] = v[7];
      counts[Math.min(counts.length - 1, Math.max(0, Math.floor(v[1] / 256)))]++;
    });
    this.buckets = [...counts].map((c) => new Int32Array(c));
    const fill = new Int32Array(counts.length);
    for (let i = 0; i < n; i++) {
      const b = Math.min(counts.length - 1, Math.max(0, Math.floor(this.ny[i] / 256)));
      this.buckets[b][fill[b]++] = i;
    }
  }

  private fibreAngle(x: number, y: number): number {
    return this.tone.at(x, y) * 4 - 2;
  }

  /**
   * Renders level-0 rows [y0, y0 + rows) across the full width.
   * @throws {InvalidArgumentError} for rows outside the slide.
   */
  renderBand(y0: number, rows: number): RgbImage {
    if (!(Number.isInteger(y0) && Number.isInteger(rows) && y0 >= 0 && rows > 0 && y0 + rows <= this.height)) {
      throw new InvalidArgumentError(`band rows ${y0}..${y0 + rows} outside 0..${this.height}`);
    }
    const W = this.width;
    const out = new Uint8ClampedArray(W * rows * 3);
    this.paintBackground(out, y0, rows);
    this.paintGlands(out, y0, rows);
    this.paintNuclei(out, y0, rows);
    return { width: W, height: rows, data: new Uint8Array(out.buffer) };
  }

  private paintBackground(out: Uint8ClampedArray, y0: number, rows: number): void {
    const W = this.width;
    const { fibre, fibre2, grain } = this;
    // Tissue and tone vary over hundreds of pixels: evaluate them every 8th pixel only.
    const alphaRow = new Float32Array((W >> 3) + 1);
    const densityRow = new Float32Array((W >> 3) + 1);
    for (let r = 0; r < rows; r++) {
      const y = y0 + r;
      for (let k = 0; k < alphaRow.length; k++) {
        const t = this.tissue.at(k * 8, y);
        alphaRow[k] = smoothstep(TISSUE_LEVEL - 0.012, TISSUE_LEVEL + 0.012, t);
        // Thin tissue at the edge is paler; the tone field makes large-scale stain variation.
        densityRow[k] = (0.55 + 0.45 * Math.min(1, (t - TISSUE_LEVEL) * 12)) * (0.85 + 0.3 * this.tone.at(k * 8, y));
      }
      const ty = (y & (TEX - 1)) * TEX;
      const ty2 = ((y >> 2) & (TEX - 1)) * TEX;
      let o = r * W * 3;
      for (let x = 0; x < W; x++, o += 3) {
        const alpha = alphaRow[x >> 3];
        const g = grain[ty + (x & (TEX - 1))] - 0.5;
        if (alpha <= 0) {
          out[o] = 242 + 3 * g;
          out[o + 1] = 242 + 3 * g;
          out[o + 2] = 245 + 3 * g;
          continue;
        }
        const f = fibre[ty + (x & (TEX - 1))] * 0.6 + fibre2[ty2 + ((x >> 2) & (TEX - 1))] * 0.4;
        // Eosin density: fibres darker.
        const e = (0.45 + 0.55 * f * f) * densityRow[x >> 3];
        const R = 246 - 26 * e + 4 * g;
        const G = 226 - 120 * e + 6 * g;
        const B = 236 - 60 * e + 5 * g;
        out[o] = 242 + (R - 242) * alpha;
        out[o + 1] = 242 + (G - 242) * alpha;
        out[o + 2] = 245 + (B - 245) * alpha;
      }
    }
  }

  private paintGlands(out: Uint8ClampedArray, y0: number, rows: number): void {
    const W = this.width;
    const grain = this.grain;
    for (const g of this.glands) {
      const reach = Math.max(g.rx, g.ry);
      const ya = Math.max(y0, Math.floor(g.cy - reach));
      const yb = Math.min(y0 + rows, Math.ceil(g.cy + reach));
      if (ya >= yb) continue;
      const xa = Math.max(0, Math.floor(g.cx - reach));
      const xb = Math.min(W, Math.ceil(g.cx + reach));
      for (let y = ya; y < yb; y++) {
        const dy = y - g.cy;
        let o = ((y - y0) * W + xa) * 3;
        for (let x = xa; x < xb; x++, o += 3) {
          const dx = x - g.cx;
          const u = (dx * g.cos + dy * g.sin) / g.rx;
          const v = (-dx * g.sin + dy * g.cos) / g.ry;
          const d = Math.sqrt(u * u + v * v) + (grain[((y * 2) & (TEX - 1)) * TEX + ((x * 2) & (TEX - 1))] - 0.5) * 0.05;
          if (d >= 1) continue;
          const gr = grain[(y & (TEX - 1)) * TEX + (x & (TEX - 1))] - 0.5;
          // Epithelial cytoplasm ring, pale lumen inside it; soft 1-2 px transitions.
          const ring = smoothstep(0.6, 0.63, d) * (1 - smoothstep(0.985, 1, d));
          const lumen = 1 - smoothstep(0.6, 0.63, d);
          const R = ring * (214 + 6 * gr) + lumen * (247 + 3 * gr);
          const G = ring * (150 + 10 * gr) + lumen * (238 + 3 * gr);
          const B = ring * (205 + 6 * gr) + lumen * (243 + 3 * gr);
          const a = ring + lumen;
          out[o] = out[o] * (1 - a) + R;
          out[o + 1] = out[o + 1] * (1 - a) + G;
          out[o + 2] = out[o + 2] * (1 - a) + B;
        }
      }
    }
  }

  private paintNuclei(out: Uint8ClampedArray, y0: number, rows: number): void {
    const W = this.width;
    const { grain, fibre } = this;
    // A nucleus reaches at most ~22 px from its centre: look one bucket up and down.
    const b0 = Math.max(0, Math.floor((y0 - 32) / 256));
    const b1 = Math.min(this.buckets.length - 1, Math.floor((y0 + rows + 32) / 256));
    for (let b = b0; b <= b1; b++) {
      for (const i of this.buckets[b]) {
        const cx = this.nx[i];
        const cy = this.ny[i];
        const a = this.na[i];
        const nb = this.nb[i];
        const reach = a * 1.2 + 2;
        const ya = Math.max(y0, Math.floor(cy - reach));
        const yb = Math.min(y0 + rows, Math.ceil(cy + reach));
        if (ya >= yb) continue;
        const xa = Math.max(0, Math.floor(cx - reach));
        const xb = Math.min(W, Math.ceil(cx + reach));
        const c = this.ncos[i];
        const s = this.nsin[i];
        const dark = this.ndark[i];
        const kind = this.nkind[i];
        // Hematoxylin: dark blue-purple; vesicular (tumour) nuclei paler inside with a dark rim.
        const baseR = 150 - 95 * dark;
        const baseG = 110 - 80 * dark;
        const baseB = 185 - 60 * dark;
        const vesicular = kind === Kind.Tumour ? 0.5 : kind === Kind.Epithelial ? 0.25 : 0;
        const edgePx = Math.max(1.2, nb * 0.18);
        const tofs = (i * 97) & (TEX - 1);
        for (let y = ya; y < yb; y++) {
          const dy = y + 0.5 - cy;
          let o = ((y - y0) * W + xa) * 3;
          const trow = ((y + tofs) & (TEX - 1)) * TEX;
          for (let x = xa; x < xb; x++, o += 3) {
            const dx = x + 0.5 - cx;
            const u = (dx * c + dy * s) / a;
            const v = (-dx * s + dy * c) / nb;
            const d2 = u * u + v * v;
            if (d2 > 1.45) continue;
            const tex = grain[trow + ((x * 3 + tofs) & (TEX - 1))];
            // Irregular membrane: the radius wobbles with the texture.
            const r = Math.sqrt(d2) + (tex - 0.5) * 0.22;
            const alpha = Math.min(1, Math.max(0, ((1 - r) * nb) / edgePx));
            if (alpha <= 0) continue;
            const chrom = fibre[trow + ((x * 5) & (TEX - 1))];
            const k = 1 - vesicular * (1 - smoothstep(0.55, 0.9, r)) * 0.55 + (chrom - 0.5) * 0.5;
            const R = 255 - (255 - baseR) * k;
            const G = 255 - (255 - baseG) * k;
            const B = 255 - (255 - baseB) * k;
            // Nuclei absorb on top of what is there (Beer-Lambert-like multiply).
            const m = alpha * 0.97;
            out[o] = out[o] * (1 - m) + out[o] * (R / 255) * m;
            out[o + 1] = out[o + 1] * (1 - m) + out[o + 1] * (G / 255) * m;
            out[o + 2] = out[o + 2] * (1 - m) + out[o + 2] * (B / 255) * m;
          }
        }
      }
    }
  }
}
