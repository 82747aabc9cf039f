/**
 * Parser for Aperio ImageScope-style XML annotations as used by MoNuSeg
 * (`<Annotations><Annotation><Regions><Region><Vertices><Vertex X= Y=/>`).
 * Browser-safe: no Node built-ins.
 */
import { XMLParser } from 'fast-xml-parser';
import { CorruptInputError } from '../errors/index.js';
import type { Polygon } from './polygon.js';

/** One parsed region: its id from the file and its outline. */
export interface AnnotationRegion {
  readonly id: string;
  readonly polygon: Polygon;
}

/** What an annotation file says besides its regions. */
export interface AnnotationSet {
  /** Microns per pixel from the `MicronsPerPixel` attribute, when present. */
  readonly micronsPerPixel: number | undefined;
  /** Regions in document order (the order matters: the first region wins on overlap). */
  readonly regions: readonly AnnotationRegion[];
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

type XmlNode = Record<string, unknown>;

/**
 * Parses MoNuSeg / Aperio XML text into polygons, in document order. Regions with fewer
 * than three vertices are kept out (they enclose no area).
 * @throws {CorruptInputError} when the text is not XML of that shape.
 * @example
 * const set = parseAnnotationXml('<Annotations><Annotation><Regions><Region Id="1"><Vertices>' +
 *   '<Vertex X="1" Y="1"/><Vertex X="4" Y="1"/><Vertex X="4" Y="4"/></Vertices></Region></Regions></Annotation></Annotations>');
 * set.regions.length; // 1
 */
export function parseAnnotationXml(xmlText: string): AnnotationSet {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseAttributeValue: false });
  let doc: XmlNode;
  try {
    doc = parser.parse(xmlText, true) as XmlNode;
  } catch (err) {
    throw new CorruptInputError(`annotation XML could not be parsed: ${(err as Error).message}`, { cause: err });
  }
  const rootValue = doc['Annotations'];
  if (rootValue === undefined) {
    throw new CorruptInputError('annotation XML has no <Annotations> root element');
  }
  // The parser turns an empty element without attributes (<Annotations/>) into '': no regions.
  const root = (typeof rootValue === 'object' && rootValue !== null ? rootValue : {}) as XmlNode;
  const mppText = root['@MicronsPerPixel'];
  const mpp = typeof mppText === 'string' ? Number(mppText) : undefined;
  const regions: AnnotationRegion[] = [];
  for (const annotation of asArray(root['Annotation'] as XmlNode | XmlNode[] | undefined)) {
    const regionsNode = annotation['Regions'] as XmlNode | undefined;
    for (const region of asArray(regionsNode?.['Region'] as XmlNode | XmlNode[] | undefined)) {
      const vertices = asArray((region['Vertices'] as XmlNode | undefined)?.['Vertex'] as XmlNode | XmlNode[] | undefined);
      if (vertices.length < 3) continue;
      const xs = new Float64Array(vertices.length);
      const ys = new Float64Array(vertices.length);
      vertices.forEach((v, i) => {
        xs[i] = Number(v['@X']);
        ys[i] = Number(v['@Y']);
        if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) {
          throw new CorruptInputError(`region ${String(region['@Id'])}: vertex ${i} has a non-numeric coordinate`);
        }
      });
      regions.push({ id: String(region['@Id'] ?? regions.length + 1), polygon: { xs, ys } });
    }
  }
  return { micronsPerPixel: mpp !== undefined && Number.isFinite(mpp) ? mpp : undefined, regions };
}
