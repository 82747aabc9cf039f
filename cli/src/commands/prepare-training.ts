/**
 * `nucleilens prepare-training`: turns the MoNuSeg training folder into what
 * models/training/train.py reads, with the same stain normalization the product applies
 * at inference, so training and inference see the same colours.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_STAIN_TARGET,
  NotFoundError,
  fitStain,
  normalizeStain,
  parseAnnotationXml,
  rasterizePolygons,
  readBinaryMask,
  readRgb,
  writeGrey8,
  writeLabels,
  writeRgb,
} from '@nucleilens/pipeline';
import type { Command } from '../command.js';

export const prepareTrainingCommand: Command = {
  name: 'prepare-training',
  summary: 'Stain-normalize MoNuSeg training images and rasterize their labels for models/training/train.py',
  usage: 'nucleilens prepare-training --data DIR --out DIR',
  options: {
    data: { kind: 'string', description: 'MoNuSeg training folder (images/, masks/, annotations/)', placeholder: 'DIR' },
    out: { kind: 'string', description: 'output folder (images/, labels/, masks/, manifest.json)', placeholder: 'DIR' },
  },
  async run(args) {
    const data = args.strings.get('data') ?? '../shared/data/monuseg/train';
    const out = args.strings.get('out') ?? '.cache/training-data';
    let names: string[];
    try {
      names = (await readdir(join(data, 'images'))).filter((f) => f.endsWith('.png')).sort();
    } catch (err) {
      throw new NotFoundError(`no images/ folder under ${data}`, { cause: err });
    }
    const annotated = new Set(
      (await readdir(join(data, 'annotations')).catch(() => [] as string[])).map((f) => f.replace(/\.xml$/, '')),
    );
    for (const sub of ['images', 'labels', 'masks']) await mkdir(join(out, sub), { recursive: true });
    const manifest: { stem: string; hasLabels: boolean; stain: unknown }[] = [];
    const target = DEFAULT_STAIN_TARGET.vahadane;
    for (const [i, file] of names.entries()) {
      const stem = file.replace(/\.png$/, '');
      const img = await readRgb(join(data, 'images', file));
      const params = fitStain(img);
      await writeRgb(join(out, 'images', `${stem}.png`), normalizeStain(params, target, img));
      const hasLabels = annotated.has(stem);
      if (hasLabels) {
        const set = parseAnnotationXml(await readFile(join(data, 'annotations', `${stem}.xml`), 'utf8'));
        const labels = rasterizePolygons(
          set.regions.map((r) => r.polygon),
          img.width,
          img.height,
          { rule: 'poly2mask' },
        );
        await writeLabels(join(out, 'labels', `${stem}.png`), labels);
        const mask = new Uint8Array(labels.data.length);
        for (let k = 0; k < mask.length; k++) mask[k] = labels.data[k] > 0 ? 255 : 0;
        await writeGrey8(join(out, 'masks', `${stem}.png`), { width: img.width, height: img.height, data: mask });
      } else {
        const mask = await readBinaryMask(join(data, 'masks', file));
        const bytes = new Uint8Array(mask.data.length);
        for (let k = 0; k < bytes.length; k++) bytes[k] = mask.data[k] ? 255 : 0;
        await writeGrey8(join(out, 'masks', `${stem}.png`), { width: mask.width, height: mask.height, data: bytes });
      }
      manifest.push({ stem, hasLabels, stain: params });
      process.stderr.write(`[${i + 1}/${names.length}] ${stem}${hasLabels ? ' (labels)' : ' (mask only)'}\n`);
    }
    await writeFile(
      join(out, 'manifest.json'),
      JSON.stringify({ images: manifest, stainTarget: DEFAULT_STAIN_TARGET.source, createdBy: 'nucleilens prepare-training' }, null, 2),
    );
    process.stdout.write(`wrote ${names.length} images to ${out}\n`);
    return 0;
  },
};
