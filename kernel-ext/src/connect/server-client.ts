/**
 * `connect(url)`: slides, regions, cached probabilities and nuclei from a running NucleiLens
 * server (docs/API.md), as the same displayable values the local stages return, so a
 * notebook can tune thresholds on probabilities the server already computed.
 */
import { DEFAULT_PARAMS, readRgb, type Rect } from '@nucleilens/pipeline';
import { Picture } from '../views/picture.js';
import { Probabilities } from '../views/probabilities.js';
import { Table } from '../views/table.js';
import { runStage } from '../stages/stage-run.js';
import type { TableRow } from '../render/html-table.js';
import { paramsQuery, type PostprocessChoiceQuery } from './params-query.js';

/** A request the server answered with an error status, or that did not reach it. */
export class ServerRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'ServerRequestError';
  }
}

/** `GET /slides/:id` as the client reads it. */
export interface ServerSlideInfo {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly mpp?: number | null;
  readonly [key: string]: unknown;
}

interface ProbsListing {
  readonly tile: number;
  readonly halo: number;
  readonly tiles: readonly { readonly col: number; readonly row: number; readonly core: Rect; readonly region: Rect; readonly url: string }[];
}

function rectQuery(r: Rect): string {
  return `x=${r.x}&y=${r.y}&w=${r.width}&h=${r.height}`;
}

/** A client of one server. */
export class ServerClient {
  readonly base: string;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, '');
  }

  private async request(path: string): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    let res: Response;
    try {
      res = await fetch(url);
    } catch (err) {
      throw new ServerRequestError(`cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`, 0, 'NETWORK', url);
    }
    if (!res.ok) {
      let code = 'HTTP_ERROR';
      let message = `${res.status} ${res.statusText}`;
      try {
        const body = (await res.json()) as { error?: { code?: string; message?: string } };
        code = body.error?.code ?? code;
        message = body.error?.message ?? message;
      } catch {
        // not a JSON error body: keep the status line
      }
      throw new ServerRequestError(`${url}: ${message}`, res.status, code, url);
    }
    return res;
  }

  private async json<T>(path: string): Promise<T> {
    return (await this.request(path)).json() as Promise<T>;
  }

  private async bytes(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.request(path)).arrayBuffer());
  }

  /**
   * The server's slides as a table.
   * @example
   * await server.slides();
   */
  async slides(): Promise<Table> {
    const { value } = await runStage('slides', () => this.json<ServerSlideInfo[]>('/slides'));
    const rows: TableRow[] = value.map((s) => ({ id: s.id, width: s.width, height: s.height, mpp: s.mpp ?? null }));
    return new Table(rows, { caption: `slides on ${this.base}` });
  }

  /** One slide's info. */
  async slide(id: string): Promise<ServerSlideInfo> {
    return (await runStage('slide', () => this.json<ServerSlideInfo>(`/slides/${encodeURIComponent(id)}`))).value;
  }

  /**
   * A level-0 rectangle of a slide, read through the server's IIIF endpoint.
   * @example
   * const pic = await server.region('demo', { x: 4096, y: 4096, width: 512, height: 512 });
   */
  async region(id: string, rect: Rect): Promise<Picture> {
    const info = await this.slide(id);
    const { value, timing } = await runStage('region', async () =>
      readRgb(await this.bytes(`/iiif/${encodeURIComponent(id)}/${rect.x},${rect.y},${rect.width},${rect.height}/max/0/default.png`)),
    );
    return Picture.create(value, { name: `${id} [${rect.x},${rect.y} ${rect.width}x${rect.height}] @ server`, mpp: info.mpp ?? undefined, origin: { x: rect.x, y: rect.y }, timing });
  }

  /**
   * The server's probability maps over a rectangle, assembled from its compute tiles'
   * cores (each core comes from the tile that owns it, as the server post-processes them),
   * with the region's picture attached so `postprocess` and `tune` work on them.
   * @example
   * const probs = await server.probabilities('demo', rect); await tune(probs);
   */
  async probabilities(id: string, rect: Rect): Promise<Probabilities> {
    const picture = await this.region(id, rect);
    const { value, timing } = await runStage('probabilities', async () => {
      const listing = await this.json<ProbsListing>(`/slides/${encodeURIComponent(id)}/probs?${rectQuery(rect)}`);
      const mask = new Uint8Array(rect.width * rect.height);
      const marker = new Uint8Array(rect.width * rect.height);
      for (const t of listing.tiles) {
        const png = await readRgb(await this.bytes(t.url));
        const x0 = Math.max(rect.x, t.core.x);
        const y0 = Math.max(rect.y, t.core.y);
        const x1 = Math.min(rect.x + rect.width, t.core.x + t.core.width);
        const y1 = Math.min(rect.y + rect.height, t.core.y + t.core.height);
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const src = 3 * ((y - t.region.y) * png.width + (x - t.region.x));
            const dst = (y - rect.y) * rect.width + (x - rect.x);
            mask[dst] = png.data[src];
            marker[dst] = png.data[src + 1];
          }
        }
      }
      return { mask: { width: rect.width, height: rect.height, data: mask }, marker: { width: rect.width, height: rect.height, data: marker } };
    });
    return Probabilities.create(value.mask, value.marker, { source: `server ${this.base}`, picture, defaults: DEFAULT_PARAMS, timing });
  }

  /**
   * The nuclei whose centroid lies in the rectangle, with the server's measurements, as a
   * table (the GeoJSON itself is in `.features`).
   * @example
   * await server.nuclei('demo', rect, { maskThreshold: 0.3 });
   */
  async nuclei(id: string, rect: Rect, params: PostprocessChoiceQuery = {}): Promise<Table & { features: readonly unknown[] }> {
    type Fc = { features: { properties?: { measurements?: Record<string, number> } }[] };
    const q = paramsQuery(params);
    const { value, timing } = await runStage('nuclei', () => this.json<Fc>(`/slides/${encodeURIComponent(id)}/nuclei?${rectQuery(rect)}${q ? `&${q}` : ''}`));
    const rows = value.features.map((f) => ({ ...(f.properties?.measurements ?? {}) }));
    const t = new Table(rows.slice(0, 20), { caption: `${value.features.length} nuclei in ${id} [${rect.x},${rect.y} ${rect.width}x${rect.height}] (${Math.round(timing.ms)} ms; first 20 shown)` });
    return Object.assign(t, { features: value.features });
  }
}

/**
 * Connects to a running NucleiLens server (`nucleilens serve`).
 * @example
 * const server = connect('http://127.0.0.1:8080'); await server.slides();
 */
export function connect(url: string): ServerClient {
  return new ServerClient(url);
}
