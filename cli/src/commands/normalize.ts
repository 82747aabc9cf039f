/**
 * `nucleilens normalize`: stain-normalizes one image (SPCN): fits the image's own stain
 * parameters, then maps them onto the default target (the liver image the USE-Net paper
 * used) or onto parameters fitted on a target image.
 */
import { DEFAULT_STAIN_TARGET, InvalidArgumentError, fitStain, normalizeStain, readRgb, writeRgb } from '@nucleilens/pipeline';
import type { StainMethod } from '@nucleilens/pipeline';
import { requireString } from '../args.js';
import type { Command } from '../command.js';
import { checkOutputPath } from '../output-file.js';

const METHODS: readonly StainMethod[] = ['vahadane', 'macenko'];

export const normalizeCommand: Command = {
  name: 'normalize',
  summary: 'Stain-normalize an H&E image (Vahadane or Macenko) to the default or a given target',
  usage: 'nucleilens normalize --in IMG --out IMG [--method vahadane|macenko] [--target IMG] [--json]',
  options: {
    in: { kind: 'string', description: 'image to normalize', placeholder: 'IMG' },
    out: { kind: 'string', description: 'normalized image (.png, .jpg, .tif or .webp)', placeholder: 'IMG' },
    method: { kind: 'string', description: 'stain estimator: vahadane (default) or macenko', placeholder: 'METHOD' },
    target: { kind: 'string', description: 'reference image to fit the target on (default: built-in MoNuSeg liver target)', placeholder: 'IMG' },
    json: { kind: 'flag', description: 'print the fitted parameters on stdout instead of stderr' },
  },
  async run(args) {
    const inPath = requireString(args, 'in');
    const out = requireString(args, 'out');
    const method = args.strings.get('method') ?? 'vahadane';
    if (!METHODS.includes(method as StainMethod)) {
      throw new InvalidArgumentError(`--method must be one of ${METHODS.join(', ')}, got "${method}"`);
    }
    const stainMethod = method as StainMethod;
    await checkOutputPath(out, '--out');
    const img = await readRgb(inPath);
    const targetPath = args.strings.get('target');
    const target = targetPath ? fitStain(await readRgb(targetPath), { method: stainMethod }) : DEFAULT_STAIN_TARGET[stainMethod];
    const source = fitStain(img, { method: stainMethod });
    await writeRgb(out, normalizeStain(source, target, img));
    // One JSON line, so scripts can keep the per-image parameters (cache them per slide).
    const line = JSON.stringify({ in: inPath, source, target }) + '\n';
    if (args.flags.has('json')) process.stdout.write(line);
    else process.stderr.write(line);
    return 0;
  },
};
