/**
 * `nucleilens convert IN OUT.tif`: any image (or a folder of images laid out as a mosaic)
 * to a JPEG-compressed tiled pyramidal TIFF with microns per pixel, the format the tile
 * server reads fastest.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InvalidArgumentError,
  NotFoundError,
  imageSize,
  openSlide,
  planMosaic,
  writePyramidalTiff,
} from '@nucleilens/pipeline';
import type { Command } from '../command.js';

const IMAGE_FILE = /\.(png|jpe?g|tiff?|webp)$/i;

async function knownMpp(path: string): Promise<number | undefined> {
  // Slide readers know the scale of SVS, OME and resolution-tagged TIFFs; plain images rarely say.
  try {
    const slide = await openSlide(path, { maxInMemoryPixels: 0 });
    const mpp = slide.info.mpp;
    await slide.close();
    return mpp;
  } catch {
    return (await imageSize(path)).mpp;
  }
}

export const convertCommand: Command = {
  name: 'convert',
  summary: 'Write an image, or a folder of images as a mosaic, as a JPEG tiled pyramidal TIFF with mpp',
  usage: 'nucleilens convert IN OUT.tif [--mpp X] [--tile 256] [--quality 85] [--gap 64]',
  options: {
    mpp: { kind: 'number', description: 'microns per pixel (default: from the input, else none)', placeholder: 'X' },
    tile: { kind: 'number', description: 'tile size in px, a multiple of 16 (default 256)' },
    quality: { kind: 'number', description: 'JPEG quality 1..100 (default 85)' },
    gap: { kind: 'number', description: 'white px between mosaic images (default 64)' },
  },
  async run(args) {
    const [input, out, ...extra] = args.positionals;
    if (!input || !out || extra.length > 0) throw new InvalidArgumentError(`usage: ${this.usage}`);
    if (!/\.tiff?$/i.test(out)) throw new InvalidArgumentError(`output must end in .tif or .tiff, got ${out}`);
    const st = await stat(input).catch((err: unknown) => {
      throw new NotFoundError(`no such file or folder: ${input}`, { cause: err });
    });
    const started = performance.now();
    const common = { tileSize: args.numbers.get('tile'), quality: args.numbers.get('quality') };
    if (st.isDirectory()) {
      const files = (await readdir(input)).filter((f) => IMAGE_FILE.test(f)).sort();
      if (files.length === 0) throw new NotFoundError(`no images (png, jpg, tif, webp) in ${input}`);
      const images = await Promise.all(files.map(async (f) => ({ file: join(input, f), ...(await imageSize(join(input, f))) })));
      const mpps = new Set(images.map((i) => i.mpp).filter((m) => m !== undefined));
      const mpp = args.numbers.get('mpp') ?? (mpps.size === 1 ? [...mpps][0] : undefined);
      const layout = planMosaic(images, args.numbers.get('gap') ?? 64);
      await writePyramidalTiff(layout, out, { ...common, mpp });
      process.stdout.write(
        `wrote ${out}: ${layout.width}x${layout.height} mosaic of ${images.length} images, mpp ${mpp ?? 'unknown'}, ` +
          `layout in ${out}.layout.json (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
      );
      return 0;
    }
    const mpp = args.numbers.get('mpp') ?? (await knownMpp(input));
    await writePyramidalTiff(input, out, { ...common, mpp });
    const size = await imageSize(out);
    process.stdout.write(`wrote ${out}: ${size.width}x${size.height}, mpp ${mpp ?? 'unknown'} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    return 0;
  },
};
