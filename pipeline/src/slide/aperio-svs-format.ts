/**
 * Aperio SVS: a TIFF whose first description starts "Aperio". Page 0 is level 0, page 1 a
 * stripped thumbnail, then tiled reduced levels, then label and macro images. Tiles are
 * JPEG with shared JPEGTables (decoded by geotiff.js) or JPEG 2000 (33003/33005, refused
 * with a clear message). Scale and magnification come from the description's
 * `|MPP = 0.2520|AppMag = 40` fields.
 */
import { TiffPyramidReader, pyramidPages } from './tiff-pyramid-reader.js';
import { isPlausibleMpp } from './tiff-page.js';
import type { SlideFormat } from './format.js';

/** Facts parsed from an Aperio ImageDescription. */
export interface AperioDescription {
  readonly mpp: number | undefined;
  readonly magnification: number | undefined;
  /** Every `key = value` field after the header line. */
  readonly fields: ReadonlyMap<string, string>;
}

/**
 * Parses an Aperio ImageDescription.
 * @example
 * parseAperioDescription('Aperio Image Library v12\r\n100x100 (256x256) JPEG/RGB Q=70|AppMag = 40|MPP = 0.2520').mpp; // 0.252
 */
export function parseAperioDescription(description: string): AperioDescription {
  const fields = new Map<string, string>();
  for (const part of description.split('|').slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const mpp = Number(fields.get('MPP'));
  const mag = Number(fields.get('AppMag'));
  return {
    mpp: isPlausibleMpp(mpp) ? mpp : undefined,
    magnification: Number.isFinite(mag) && mag > 0 ? mag : undefined,
    fields,
  };
}

/** The Aperio SVS format (priority 30: above OME and plain tiled TIFF). */
export const aperioSvsFormat: SlideFormat = {
  name: 'aperio-svs',
  priority: 30,
  canRead(probe) {
    return (probe.tiff?.pages[0]?.description ?? '').startsWith('Aperio');
  },
  async open(probe, context) {
    const tiff = probe.tiff!;
    const base = tiff.pages[0];
    const meta = parseAperioDescription(base.description ?? '');
    // Label and macro pages are small tiled-or-stripped images with their own aspect; skip by name too.
    const candidates = tiff.pages.slice(1).filter((p) => !/^\s*(label|macro)\b/i.test(p.description?.split('\n')[1] ?? ''));
    return new TiffPyramidReader({
      format: 'aperio-svs',
      file: tiff.file,
      pages: pyramidPages(base, candidates),
      mpp: meta.mpp ?? base.mpp,
      magnification: meta.magnification,
      cache: context.cache,
      byteLength: probe.byteLength,
      source: probe.path,
    });
  },
};
