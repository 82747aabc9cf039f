/**
 * One TIFF image file directory as a slide reader sees it: size, tiling, compression and
 * the tags that carry scale. Node-only (geotiff.js file access).
 */
import type { GeoTIFFImage } from 'geotiff';
import { CorruptInputError, UnsupportedFormatError } from '../errors/index.js';

/** The facts about one TIFF page that slide readers choose levels from. */
export interface TiffPage {
  readonly image: GeoTIFFImage;
  readonly width: number;
  readonly height: number;
  readonly tiled: boolean;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly compression: number;
  /** NewSubfileType (bit 0: reduced-resolution copy of another page). */
  readonly subfileType: number;
  readonly description: string | undefined;
  /** Microns per pixel from XResolution/ResolutionUnit when present and plausible. */
  readonly mpp: number | undefined;
}

// Compressions geotiff.js decodes: none, LZW, JPEG, Deflate (two codes), PackBits, zstd.
const DECODABLE = new Set([1, 5, 7, 8, 32946, 32773, 50000]);
const JPEG_2000 = new Set([33003, 33004, 33005, 34712]);

/** Plausible microns per pixel: a 100x objective gives ~0.1, a 1.25x overview ~8. Default 72 dpi is not a scan. */
const MPP_RANGE = { min: 0.02, max: 50 } as const;

/** True when `mpp` is a believable microscope pixel size in microns. */
export function isPlausibleMpp(mpp: number | undefined): mpp is number {
  return mpp !== undefined && Number.isFinite(mpp) && mpp >= MPP_RANGE.min && mpp <= MPP_RANGE.max;
}

function rational(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && 'length' in value) {
    const arr = value as ArrayLike<number>;
    if (arr.length >= 2 && arr[1] !== 0) return arr[0] / arr[1];
    if (arr.length === 1) return arr[0];
  }
  return undefined;
}

/**
 * Reads a page's tags.
 * @throws {CorruptInputError} when the directory lacks a size or its tags cannot be read.
 */
export async function describeTiffPage(image: GeoTIFFImage, source: string): Promise<TiffPage> {
  try {
    const fd = image.fileDirectory;
    const width = image.getWidth();
    const height = image.getHeight();
    if (!(width > 0 && height > 0)) throw new Error(`image size ${width}x${height}`);
    const description = await fd.loadValue('ImageDescription');
    const xres = rational(await fd.loadValue('XResolution'));
    const unit = Number((await fd.loadValue('ResolutionUnit')) ?? 2);
    // ResolutionUnit 2 = inch, 3 = centimetre; 1 = none (no physical scale).
    const micronsPerUnit = unit === 3 ? 1e4 : unit === 2 ? 25400 : undefined;
    const mpp = xres && micronsPerUnit ? micronsPerUnit / xres : undefined;
    return {
      image,
      width,
      height,
      tiled: image.isTiled,
      tileWidth: image.isTiled ? image.getTileWidth() : width,
      tileHeight: image.isTiled ? image.getTileHeight() : height,
      compression: Number(fd.getValue('Compression') ?? 1),
      subfileType: Number(fd.getValue('NewSubfileType') ?? 0),
      // Writers often count the terminating NUL into the string.
      description: typeof description === 'string' ? description.replace(/\0+$/, '') : undefined,
      mpp: isPlausibleMpp(mpp) ? mpp : undefined,
    };
  } catch (err) {
    throw new CorruptInputError(`${source}: unreadable TIFF directory (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Refuses pages whose tiles geotiff.js cannot decode, before any request reaches them.
 * @throws {UnsupportedFormatError} for JPEG 2000 (Aperio 33003/33005) or other unknown compressions.
 */
export function assertDecodable(page: TiffPage, source: string): void {
  if (JPEG_2000.has(page.compression)) {
    throw new UnsupportedFormatError(
      `${source}: tiles are JPEG 2000 compressed (TIFF compression ${page.compression}), which NucleiLens cannot decode; ` +
        're-save the slide with JPEG tiles (e.g. `vips tiffsave IN OUT.tif --tile --pyramid --compression jpeg`) ' +
        'or export it as a pyramidal JPEG TIFF from the scanner software',
    );
  }
  if (!DECODABLE.has(page.compression)) {
    throw new UnsupportedFormatError(`${source}: TIFF compression ${page.compression} is not supported`);
  }
}
