/**
 * OME-TIFF pyramids (OME 6 / bioformats2raw / libvips `subifd`): page 0 carries the
 * OME-XML description and full resolution, its SubIFDs the reduced levels; the scale is
 * the Pixels element's PhysicalSizeX. Brightfield RGB only (SamplesPerPixel 3).
 * See https://ome-model.readthedocs.io/en/stable/ome-tiff/specification.html.
 */
import { UnsupportedFormatError } from '../errors/index.js';
import { TiffPyramidReader, pyramidPages } from './tiff-pyramid-reader.js';
import { tiffPageAt } from './probe.js';
import { isPlausibleMpp } from './tiff-page.js';
import type { SlideFormat } from './format.js';

const MICRONS_PER_UNIT: Readonly<Record<string, number>> = { µm: 1, um: 1, 'μm': 1, nm: 1e-3, mm: 1e3, cm: 1e4, m: 1e6 };

function attribute(xml: string, element: string, name: string): string | undefined {
  const el = new RegExp(`<(?:\\w+:)?${element}\\b[^>]*>`).exec(xml)?.[0];
  return el ? new RegExp(`\\s${name}="([^"]*)"`).exec(el)?.[1] : undefined;
}

/**
 * Microns per pixel from an OME-XML document's first Pixels element (undefined when absent).
 * @example
 * omeMpp('<OME><Image><Pixels PhysicalSizeX="0.5" PhysicalSizeXUnit="µm"/></Image></OME>'); // 0.5
 */
export function omeMpp(xml: string): number | undefined {
  const size = Number(attribute(xml, 'Pixels', 'PhysicalSizeX'));
  const unit = attribute(xml, 'Pixels', 'PhysicalSizeXUnit') ?? 'µm';
  const factor = MICRONS_PER_UNIT[unit];
  const mpp = factor === undefined ? undefined : size * factor;
  return isPlausibleMpp(mpp) ? mpp : undefined;
}

/** The OME-TIFF format (priority 20: above plain tiled TIFF). */
export const omeTiffFormat: SlideFormat = {
  name: 'ome-tiff',
  priority: 20,
  canRead(probe) {
    const base = probe.tiff?.pages[0];
    return base?.tiled === true && (base.description ?? '').includes('<OME');
  },
  async open(probe, context) {
    const tiff = probe.tiff!;
    const base = tiff.pages[0];
    const xml = base.description ?? '';
    const spp = base.image.getSamplesPerPixel();
    if (spp < 3) {
      throw new UnsupportedFormatError(
        `${probe.path}: OME-TIFF with ${spp} sample(s) per pixel (fluorescence channels?); NucleiLens reads brightfield RGB`,
      );
    }
    const subPages = await Promise.all(tiff.subIfdOffsets.map((o) => tiffPageAt(probe, o)));
    // Old-style OME pyramids put reduced levels in the main chain instead of SubIFDs.
    const candidates = subPages.length > 0 ? subPages : tiff.pages.slice(1);
    return new TiffPyramidReader({
      format: 'ome-tiff',
      file: tiff.file,
      pages: pyramidPages(base, candidates),
      mpp: omeMpp(xml) ?? base.mpp,
      magnification: Number(attribute(xml, 'Objective', 'NominalMagnification')) || undefined,
      cache: context.cache,
      byteLength: probe.byteLength,
      source: probe.path,
    });
  },
};
