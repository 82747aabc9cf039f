/**
 * Tiled pyramidal TIFF and BigTIFF (libvips, GDAL, `nucleilens convert`): level 0 is the
 * first page, reduced levels are later tiled pages (or page 0's SubIFDs) of the same
 * aspect, and the scale is XResolution/ResolutionUnit.
 */
import { TiffPyramidReader, pyramidPages } from './tiff-pyramid-reader.js';
import { tiffPageAt } from './probe.js';
import type { SlideFormat } from './format.js';

/** The generic tiled TIFF format (priority 10). */
export const tiledTiffFormat: SlideFormat = {
  name: 'tiled-tiff',
  priority: 10,
  canRead(probe) {
    return probe.tiff?.pages[0]?.tiled === true;
  },
  async open(probe, context) {
    const tiff = probe.tiff!;
    const base = tiff.pages[0];
    const subPages = await Promise.all(tiff.subIfdOffsets.map((o) => tiffPageAt(probe, o)));
    return new TiffPyramidReader({
      format: 'tiled-tiff',
      file: tiff.file,
      pages: pyramidPages(base, [...tiff.pages.slice(1), ...subPages]),
      mpp: base.mpp,
      magnification: undefined,
      cache: context.cache,
      byteLength: probe.byteLength,
      source: probe.path,
    });
  },
};
