/**
 * `nucleilens gt`: rasterizes an annotation XML (MoNuSeg / Aperio ImageScope) into a
 * ground-truth label image, one label per region in document order, first region winning
 * where regions overlap (the MoNuSeg convention).
 */
import { readFile } from 'node:fs/promises';
import {
  CorruptInputError,
  InvalidArgumentError,
  NotFoundError,
  parseAnnotationXml,
  rasterizePolygons,
  writeLabels,
} from '@nucleilens/pipeline';
import type { AnnotationSet, RasterizeRule } from '@nucleilens/pipeline';
import { requireNumber, requireString } from '../args.js';
import type { Command } from '../command.js';
import { checkOutputPath } from '../output-file.js';

const RULES: readonly RasterizeRule[] = ['poly2mask', 'pixel-centre'];

async function readXmlText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`no such file: ${path}`, { cause: err });
    if (code === 'EISDIR') throw new InvalidArgumentError(`expected a file, got a folder: ${path}`, { cause: err });
    throw err;
  }
}

function requireSide(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`--${name} must be a whole number of pixels >= 1, got ${value}`);
  return value;
}

export const gtCommand: Command = {
  name: 'gt',
  summary: 'Rasterize an annotation XML into a ground-truth label image (MoNuSeg convention)',
  usage: 'nucleilens gt --xml FILE --width W --height H --out gt.png [--rule poly2mask|pixel-centre]',
  options: {
    xml: { kind: 'string', description: 'annotation XML (<Annotations><Annotation><Regions><Region><Vertices>)', placeholder: 'FILE' },
    width: { kind: 'number', description: 'image width in pixels', placeholder: 'W' },
    height: { kind: 'number', description: 'image height in pixels', placeholder: 'H' },
    out: { kind: 'string', description: 'label image to write: 16-bit PNG, or .tif past 65535 regions', placeholder: 'FILE' },
    rule: { kind: 'string', description: 'inside test: poly2mask (MATLAB, the MoNuSeg ground truth; default) or pixel-centre', placeholder: 'RULE' },
  },
  async run(args) {
    const xmlPath = requireString(args, 'xml');
    const width = requireSide(requireNumber(args, 'width'), 'width');
    const height = requireSide(requireNumber(args, 'height'), 'height');
    const out = requireString(args, 'out');
    const rule = args.strings.get('rule') ?? 'poly2mask';
    if (!RULES.includes(rule as RasterizeRule)) {
      throw new InvalidArgumentError(`--rule must be one of ${RULES.join(', ')}, got "${rule}"`);
    }
    if (!/\.(png|tiff?)$/i.test(out)) throw new InvalidArgumentError(`--out must end in .png or .tif, got ${out}`);
    await checkOutputPath(out, '--out');
    const text = await readXmlText(xmlPath);
    let set: AnnotationSet;
    try {
      set = parseAnnotationXml(text);
    } catch (err) {
      if (err instanceof CorruptInputError) throw new CorruptInputError(`${xmlPath}: ${err.message}`, { cause: err });
      throw err;
    }
    const labels = rasterizePolygons(
      set.regions.map((r) => r.polygon),
      width,
      height,
      { rule: rule as RasterizeRule },
    );
    await writeLabels(out, labels);
    process.stdout.write(`wrote ${set.regions.length} regions to ${out} (${width}x${height}, rule ${rule})\n`);
    return 0;
  },
};
