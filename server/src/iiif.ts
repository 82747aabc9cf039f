/**
 * IIIF Image API 3.0 request parsing and the info.json document, at compliance level 1
 * plus square and percent regions, confined sizes, upscaling, 90-degree rotations,
 * mirroring and grey quality. https://iiif.io/api/image/3.0/
 */
import { InvalidArgumentError, type Level0Rect } from '@nucleilens/pipeline';
import { RegionTooLargeError } from './http-errors.js';

/** Output encodings the server writes. */
export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** A parsed IIIF image request, resolved against the image size. */
export interface IiifRequest {
  readonly region: Level0Rect;
  readonly width: number;
  readonly height: number;
  readonly rotation: 0 | 90 | 180 | 270;
  readonly mirror: boolean;
  readonly gray: boolean;
  readonly format: ImageFormat;
}

const FORMATS: Readonly<Record<string, ImageFormat>> = { jpg: 'jpeg', png: 'png', webp: 'webp' };
const NUM = /^\d+(\.\d+)?$/;

function bad(message: string): never {
  throw new InvalidArgumentError(`IIIF: ${message}`);
}

function parseRegion(raw: string, w: number, h: number): Level0Rect {
  let x: number, y: number, rw: number, rh: number;
  if (raw === 'full') return { x: 0, y: 0, width: w, height: h };
  if (raw === 'square') {
    const s = Math.min(w, h);
    return { x: Math.floor((w - s) / 2), y: Math.floor((h - s) / 2), width: s, height: s };
  }
  const pct = raw.startsWith('pct:');
  const parts = (pct ? raw.slice(4) : raw).split(',');
  if (parts.length !== 4 || !parts.every((p) => NUM.test(p))) bad(`region must be full, square, x,y,w,h or pct:x,y,w,h; got "${raw}"`);
  const v = parts.map(Number);
  if (pct) {
    [x, y, rw, rh] = [Math.round((v[0] * w) / 100), Math.round((v[1] * h) / 100), Math.round((v[2] * w) / 100), Math.round((v[3] * h) / 100)];
  } else {
    if (!parts.every((p) => /^\d+$/.test(p))) bad(`pixel region values must be integers; got "${raw}"`);
    [x, y, rw, rh] = v;
  }
  if (rw <= 0 || rh <= 0) bad(`region width and height must be positive; got "${raw}"`);
  if (x >= w || y >= h) bad(`region "${raw}" lies outside the ${w}x${h} image`);
  return { x, y, width: Math.min(rw, w - x), height: Math.min(rh, h - y) };
}

function parseSize(raw: string, region: Level0Rect, maxArea: number): { width: number; height: number } {
  const up = raw.startsWith('^');
  const s = up ? raw.slice(1) : raw;
  const rw = region.width;
  const rh = region.height;
  let width: number;
  let height: number;
  if (s === 'max') {
    // max: the region's size, or the largest size within maxArea.
    const f = Math.min(1, Math.sqrt(maxArea / (rw * rh)));
    width = Math.max(1, Math.floor(rw * f));
    height = Math.max(1, Math.floor(rh * f));
  } else if (s.startsWith('pct:')) {
    const p = s.slice(4);
    if (!NUM.test(p) || Number(p) <= 0) bad(`pct size must be a positive number; got "${raw}"`);
    width = Math.max(1, Math.round((rw * Number(p)) / 100));
    height = Math.max(1, Math.round((rh * Number(p)) / 100));
  } else {
    const confined = s.startsWith('!');
    const m = /^(\d*),(\d*)$/.exec(confined ? s.slice(1) : s);
    if (!m || (m[1] === '' && m[2] === '') || (confined && (m[1] === '' || m[2] === ''))) {
      bad(`size must be max, w,, ,h, w,h, !w,h or pct:n (optionally with ^); got "${raw}"`);
    }
    const w = m[1] === '' ? undefined : Number(m[1]);
    const h = m[2] === '' ? undefined : Number(m[2]);
    if (w === 0 || h === 0) bad(`size must be positive; got "${raw}"`);
    if (confined) {
      const f = Math.min(w! / rw, h! / rh);
      width = Math.max(1, Math.floor(rw * f));
      height = Math.max(1, Math.floor(rh * f));
    } else if (w !== undefined && h !== undefined) {
      width = w;
      height = h;
    } else if (w !== undefined) {
      width = w;
      height = Math.max(1, Math.round((rh * w) / rw));
    } else {
      height = h!;
      width = Math.max(1, Math.round((rw * h!) / rh));
    }
  }
  if (!up && (width > rw || height > rh)) bad(`size ${width}x${height} is larger than the ${rw}x${rh} region; use ^ to upscale`);
  if (width * height > maxArea) throw new RegionTooLargeError(`IIIF: output ${width}x${height} exceeds the ${maxArea}-pixel limit`);
  return { width, height };
}

/**
 * Parses the path parameters of an image request against a `width` x `height` image.
 * @throws {InvalidArgumentError} malformed or unsupported parameters (400);
 *   {@link RegionTooLargeError} output above `maxArea` pixels (413).
 * @example
 * parseIiifRequest({ region: '0,0,512,512', size: '256,', rotation: '0', quality: 'default', format: 'jpg' }, 1000, 800, 1e7);
 */
export function parseIiifRequest(
  p: { region: string; size: string; rotation: string; quality: string; format: string },
  width: number,
  height: number,
  maxArea: number,
): IiifRequest {
  const format = FORMATS[p.format];
  if (!format) bad(`format must be jpg, png or webp; got "${p.format}"`);
  if (p.quality !== 'default' && p.quality !== 'color' && p.quality !== 'gray') {
    bad(`quality must be default, color or gray; got "${p.quality}"`);
  }
  const mirror = p.rotation.startsWith('!');
  const deg = mirror ? p.rotation.slice(1) : p.rotation;
  if (!NUM.test(deg) || Number(deg) > 360) bad(`rotation must be a number in 0..360 (optionally with !); got "${p.rotation}"`);
  const angle = Number(deg) % 360;
  if (angle !== 0 && angle !== 90 && angle !== 180 && angle !== 270) bad(`only rotations by multiples of 90 are supported; got "${p.rotation}"`);
  const region = parseRegion(p.region, width, height);
  const size = parseSize(p.size, region, maxArea);
  return { region, ...size, rotation: angle, mirror, gray: p.quality === 'gray', format };
}

/** The info.json document for an image service. */
export function iiifInfo(
  id: string,
  image: { width: number; height: number; tileSize: number; scaleFactors: readonly number[]; sizes: readonly { width: number; height: number }[] },
  maxArea: number,
): Record<string, unknown> {
  return {
    '@context': 'http://iiif.io/api/image/3/context.json',
    id,
    type: 'ImageService3',
    protocol: 'http://iiif.io/api/image',
    profile: 'level1',
    width: image.width,
    height: image.height,
    maxArea,
    sizes: image.sizes,
    tiles: [{ width: image.tileSize, height: image.tileSize, scaleFactors: image.scaleFactors }],
    extraFormats: ['png', 'webp'],
    extraQualities: ['color', 'gray'],
    extraFeatures: ['mirroring', 'regionByPct', 'regionSquare', 'rotationBy90s', 'sizeByConfinedWh', 'sizeByPct', 'sizeUpscaling'],
  };
}
