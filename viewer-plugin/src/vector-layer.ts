/**
 * Nucleus outlines on a canvas over the viewer. Paths are built in level-0 px once per
 * compute tile, one Path2D per colour bucket, so a frame (pan, zoom) costs one transform and
 * a few stroke/fill calls per tile whatever the number of nuclei, and new results for one
 * tile rebuild that tile's paths only.
 */
import type { NucleusRecord } from './core/nucleus-record.js';
import {
  INSTANCE_PALETTE,
  instanceBucket,
  rampBucket,
  rampBucketColor,
  COLOR_BY_MEASUREMENT,
  type ColorBy,
  type RampDomain,
} from './core/color-scale.js';
import type { DrawStyle } from './panel.js';
import type { Rect } from './core/server-types.js';

/**
 * Level-0 px to viewer-element CSS px, an affine map that also carries the viewer's
 * rotation and flip: screen x = a x + c y + e, screen y = b x + d y + f (canvas order).
 */
export interface ImageToScreen {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly e: number;
  readonly f: number;
  /** CSS px per level-0 px (the map's uniform scale). */
  readonly scale: number;
}

function ringPath(path: Path2D, ring: Float64Array): void {
  path.moveTo(ring[0], ring[1]);
  for (let i = 2; i < ring.length; i += 2) path.lineTo(ring[i], ring[i + 1]);
  path.closePath();
}

/** The canvas layer. */
export class VectorLayer {
  readonly canvas: HTMLCanvasElement;
  private readonly g: CanvasRenderingContext2D;
  /** Per compute tile: one path per colour. */
  private readonly cells = new Map<string, { color: string; path: Path2D }[]>();
  private colorOf: (r: NucleusRecord) => string = (r) => INSTANCE_PALETTE[instanceBucket(r.id)];
  private selectedPath: Path2D | undefined;
  private hoverPath: Path2D | undefined;
  /** Transform, style, opacity and canvas size of the last whole draw; a partial one needs the same. */
  private drawnUnder: string | undefined;

  constructor(private readonly parent: HTMLElement) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'nl-canvas';
    this.canvas.setAttribute('aria-hidden', 'true');
    parent.appendChild(this.canvas);
    const g = this.canvas.getContext('2d');
    if (!g) throw new Error('the browser gave no 2d canvas context');
    this.g = g;
  }

  /**
   * Sets how nuclei are coloured; call {@link setCell} again for every cell afterwards.
   * @param domain range of the measurement ramp (ignored for instance colouring)
   */
  setColoring(colorBy: ColorBy, domain: RampDomain | undefined): void {
    const measurement = colorBy === 'instance' ? undefined : COLOR_BY_MEASUREMENT[colorBy];
    this.colorOf =
      measurement === undefined
        ? (r) => INSTANCE_PALETTE[instanceBucket(r.id)]
        : (r) => rampBucketColor(rampBucket(r.measurements[measurement], domain));
  }

  /**
   * (Re)builds the coloured paths of one compute tile's nuclei, so a tile's new results cost
   * paths for that tile only.
   */
  setCell(key: string, records: readonly NucleusRecord[]): void {
    const byColor = new Map<string, Path2D>();
    for (const r of records) {
      const color = this.colorOf(r);
      let path = byColor.get(color);
      if (!path) byColor.set(color, (path = new Path2D()));
      ringPath(path, r.ring);
    }
    this.cells.set(key, [...byColor].map(([color, path]) => ({ color, path })));
  }

  /** Forgets a compute tile's paths. */
  deleteCell(key: string): void {
    this.cells.delete(key);
  }

  /** Forgets every tile's paths. */
  clearCells(): void {
    this.cells.clear();
  }

  /** The outlines drawn as selected. */
  setSelected(records: Iterable<NucleusRecord>): void {
    let path: Path2D | undefined;
    for (const r of records) ringPath((path ??= new Path2D()), r.ring);
    this.selectedPath = path;
  }

  /** The outline drawn as hovered. */
  setHovered(r: NucleusRecord | null): void {
    if (!r) {
      this.hoverPath = undefined;
      return;
    }
    const path = new Path2D();
    ringPath(path, r.ring);
    this.hoverPath = path;
  }

  /**
   * Draws the scene under `t`, or clears the canvas when `t` is null.
   * @param only level-0 rectangles to redraw, the rest of the canvas kept as it is: what a
   *   compute tile's new results can change lies in its region, and redrawing a few tiles'
   *   area rasterizes a fraction of the outlines. Ignored (everything is drawn) unless the
   *   last draw had the same transform, style, opacity and canvas size.
   * @returns milliseconds spent
   */
  draw(t: ImageToScreen | null, style: DrawStyle, opacity: number, only?: readonly Rect[]): number {
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const w = this.parent.clientWidth;
    const h = this.parent.clientHeight;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    const g = this.g;
    g.setTransform(1, 0, 0, 1, 0, 0);
    const under = t && opacity > 0 ? `${t.a},${t.b},${t.c},${t.d},${t.e},${t.f}|${style}|${opacity}|${this.canvas.width}x${this.canvas.height}|${dpr}` : undefined;
    if (only && under !== undefined && under === this.drawnUnder && t) {
      g.save();
      g.beginPath();
      // Whole device pixels, so every pixel is either redrawn entirely or left alone; the
      // margin covers the widest outline (a selected one) of a nucleus at the region's edge.
      const margin = Math.ceil(5 * dpr) + 1;
      for (const r of only) {
        const b = this.deviceBox(t, r, dpr, margin);
        if (!b) continue;
        g.clearRect(b.x, b.y, b.width, b.height);
        g.rect(b.x, b.y, b.width, b.height);
      }
      g.clip();
      this.paint(t, style, opacity, dpr);
      g.restore();
      return performance.now() - t0;
    }
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.drawnUnder = under;
    if (t && opacity > 0) this.paint(t, style, opacity, dpr);
    return performance.now() - t0;
  }

  /** The canvas pixels (device px, whole) that level-0 rectangle `r` covers under `t`, grown by `margin`. */
  private deviceBox(t: ImageToScreen, r: Rect, dpr: number, margin: number): Rect | undefined {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const [x, y] of [
      [r.x, r.y],
      [r.x + r.width, r.y],
      [r.x, r.y + r.height],
      [r.x + r.width, r.y + r.height],
    ]) {
      const sx = (t.a * x + t.c * y + t.e) * dpr;
      const sy = (t.b * x + t.d * y + t.f) * dpr;
      x0 = Math.min(x0, sx);
      y0 = Math.min(y0, sy);
      x1 = Math.max(x1, sx);
      y1 = Math.max(y1, sy);
    }
    const left = Math.max(0, Math.floor(x0) - margin);
    const top = Math.max(0, Math.floor(y0) - margin);
    const right = Math.min(this.canvas.width, Math.ceil(x1) + margin);
    const bottom = Math.min(this.canvas.height, Math.ceil(y1) + margin);
    return right > left && bottom > top ? { x: left, y: top, width: right - left, height: bottom - top } : undefined;
  }

  private paint(t: ImageToScreen, style: DrawStyle, opacity: number, dpr: number): void {
    const g = this.g;
    g.setTransform(t.a * dpr, t.b * dpr, t.c * dpr, t.d * dpr, t.e * dpr, t.f * dpr);
    const px = 1 / t.scale;
    const devicePx = px / dpr;
    const buckets = [...this.cells.values()].flat();
    if (style === 'fill') {
      g.globalAlpha = opacity * 0.45;
      for (const b of buckets) {
        g.fillStyle = b.color;
        g.fill(b.path);
      }
    }
    // Exactly one device pixel wide: Skia strokes such hairlines on a fast path (measured in
    // software chromium: 1,500 outlines in ~30 ms against ~250 ms at 1.5 px).
    g.globalAlpha = opacity;
    g.lineWidth = devicePx;
    for (const b of buckets) {
      g.strokeStyle = b.color;
      g.stroke(b.path);
    }
    g.lineJoin = 'round';
    g.globalAlpha = 1;
    if (this.selectedPath) {
      g.lineWidth = 4 * px;
      g.strokeStyle = '#000';
      g.stroke(this.selectedPath);
      g.lineWidth = 2.5 * px;
      g.strokeStyle = '#ffeb3b';
      g.stroke(this.selectedPath);
    }
    if (this.hoverPath) {
      g.lineWidth = 3 * px;
      g.strokeStyle = '#fff';
      g.stroke(this.hoverPath);
    }
  }

  destroy(): void {
    this.canvas.remove();
  }
}
