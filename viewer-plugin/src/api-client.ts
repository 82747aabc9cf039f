/**
 * Typed calls to the NucleiLens server (docs/API.md). Every failure becomes a
 * {@link NucleiServerError} carrying the server's `{ error: { code, message } }`, so the
 * overlay can show it and raise it as an event instead of only logging it.
 */
import { paramsToQuery, type PostprocessParams } from './core/tuning-params.js';
import type {
  ComputeGrid,
  NucleusFeatureCollection,
  ProbsListing,
  Rect,
  ServerErrorBody,
  SlideInfo,
} from './core/server-types.js';

/** A request to the server that failed: an error status, a network failure or a malformed answer. */
export class NucleiServerError extends Error {
  /**
   * @param status HTTP status, 0 for a network failure
   * @param code the server's error code (`NOT_FOUND`, `INVALID_ARGUMENT`, `BUSY`...) or
   *   `NETWORK` / `BAD_RESPONSE` from the client side
   * @param url the URL asked
   * @param retryAfter seconds from a 503's Retry-After header
   */
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly url: string,
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'NucleiServerError';
  }
}

/** The `fetch` the client calls (injectable for tests). */
export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

function rectQuery(r: Rect): URLSearchParams {
  return new URLSearchParams({ x: String(r.x), y: String(r.y), w: String(r.width), h: String(r.height) });
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

/** Calls for one slide on one server. */
export class NucleiApi {
  private readonly base: string;
  private readonly slidePath: string;
  /**
   * @param server base URL of the server (`''` or `'/'` for the page's own origin)
   * @param slide slide id
   * @param fetchFn defaults to the global `fetch`
   * @param busyRetries how many times a 503 (queue full) is retried after its Retry-After
   */
  constructor(
    server: string,
    readonly slide: string,
    private readonly fetchFn: FetchFn = (input, init) => fetch(input, init),
    private readonly busyRetries = 3,
  ) {
    const origin = typeof location === 'undefined' ? 'http://localhost/' : location.href;
    this.base = new URL(server.replace(/\/*$/, '/') || '/', origin).href;
    this.slidePath = `slides/${encodeURIComponent(slide)}`;
  }

  /** An absolute URL for a server path (no leading slash) or a path the server returned. */
  url(path: string): string {
    return new URL(path.replace(/^\//, ''), this.base).href;
  }

  private async json<T>(path: string, signal?: AbortSignal): Promise<T> {
    const url = this.url(path);
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchFn(url, { signal, headers: { Accept: 'application/json' } });
      } catch (e) {
        if (signal?.aborted) throw e;
        throw new NucleiServerError(`cannot reach the server for ${url}: ${(e as Error).message}`, 0, 'NETWORK', url);
      }
      if (res.ok) {
        try {
          return (await res.json()) as T;
        } catch {
          throw new NucleiServerError(`the server's answer to ${url} is not JSON`, res.status, 'BAD_RESPONSE', url);
        }
      }
      const retryAfter = Number(res.headers.get('Retry-After') ?? '');
      let code = `HTTP_${res.status}`;
      let message = `${res.status} ${res.statusText}`.trim();
      try {
        const body = (await res.json()) as ServerErrorBody;
        if (body?.error?.message) {
          code = body.error.code ?? code;
          message = body.error.message;
        }
      } catch {
        // Not the documented error body (a proxy's page, say); the status line is the message.
      }
      if (res.status === 503 && attempt < this.busyRetries) {
        await sleep(1000 * (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 2), signal);
        continue;
      }
      throw new NucleiServerError(
        `${message} (${res.status}, ${path.split('?')[0]})`,
        res.status,
        code,
        url,
        Number.isFinite(retryAfter) ? retryAfter : undefined,
      );
    }
  }

  /** `GET /slides/:id`. */
  slideInfo(signal?: AbortSignal): Promise<SlideInfo> {
    return this.json<SlideInfo>(this.slidePath, signal);
  }

  /** `GET /slides/:id/grid`. */
  grid(signal?: AbortSignal): Promise<ComputeGrid> {
    return this.json<ComputeGrid>(`${this.slidePath}/grid`, signal);
  }

  /** `GET /slides/:id/nuclei`: nuclei whose centroid lies in `rect` (level-0 px, integers). */
  nuclei(rect: Rect, params: PostprocessParams, signal?: AbortSignal): Promise<NucleusFeatureCollection> {
    const q = rectQuery(rect);
    for (const [k, v] of paramsToQuery(params)) q.set(k, v);
    return this.json<NucleusFeatureCollection>(`${this.slidePath}/nuclei?${q}`, signal);
  }

  /** `GET /slides/:id/probs`: the compute tiles whose core meets `rect`, with absolute PNG URLs. */
  async probs(rect: Rect, signal?: AbortSignal): Promise<ProbsListing> {
    const listing = await this.json<ProbsListing>(`${this.slidePath}/probs?${rectQuery(rect)}`, signal);
    return { ...listing, tiles: listing.tiles.map((t) => ({ ...t, url: this.url(t.url) })) };
  }

  /** Prefix of the overlay tiles' URLs: `.../overlay_files/` (level/col_row.png follows). */
  overlayTilesUrl(): string {
    return this.url(`${this.slidePath}/overlay_files/`);
  }

  /** `GET /slides/:id.dzi` URL (the slide's DeepZoom descriptor). */
  dziUrl(): string {
    return this.url(`${this.slidePath}.dzi`);
  }
}
