/**
 * `nucleilens measure`: per-nucleus measurements of a label image, exported as QuPath
 * GeoJSON detections and optionally CSV. Hematoxylin density uses stain parameters fitted
 * on the image itself.
 */
import { basename } from 'node:path';
import {
  assertSameSize,
  fitStain,
  measureNuclei,
  readLabels,
  readRgb,
  toCsv,
  toGeoJson,
} from '@nucleilens/pipeline';
import { requireString } from '../args.js';
import type { Command } from '../command.js';
import { checkOutputPath, writeTextFile } from '../output-file.js';

export const measureCommand: Command = {
  name: 'measure',
  summary: 'Measure every labelled nucleus; write QuPath GeoJSON detections and optionally CSV',
  usage: 'nucleilens measure --labels L --image IMG --geojson FILE [--csv FILE] [--mpp X]',
  options: {
    labels: { kind: 'string', description: 'instance label image (16-bit PNG or 32-bit TIFF, 0 = background)', placeholder: 'FILE' },
    image: { kind: 'string', description: 'the RGB image the labels belong to (same size)', placeholder: 'IMG' },
    geojson: { kind: 'string', description: 'GeoJSON FeatureCollection to write (QuPath: File > Import objects)', placeholder: 'FILE' },
    csv: { kind: 'string', description: 'also write one CSV row per nucleus', placeholder: 'FILE' },
    mpp: { kind: 'number', description: 'microns per pixel, adds µm figures', placeholder: 'X' },
  },
  async run(args) {
    const labelsPath = requireString(args, 'labels');
    const imagePath = requireString(args, 'image');
    const geojsonPath = requireString(args, 'geojson');
    const csvPath = args.strings.get('csv');
    await checkOutputPath(geojsonPath, '--geojson');
    if (csvPath !== undefined) await checkOutputPath(csvPath, '--csv');
    const labels = await readLabels(labelsPath);
    const image = await readRgb(imagePath);
    // Before the stain fit, so a mismatch costs nothing.
    assertSameSize(`labels ${labelsPath}`, labels, `image ${imagePath}`, image);
    const instances = measureNuclei(labels, { image, stain: fitStain(image), micronsPerPixel: args.numbers.get('mpp') });
    await writeTextFile(geojsonPath, JSON.stringify(toGeoJson(instances, { idNamespace: basename(imagePath) })), '--geojson');
    if (csvPath !== undefined) await writeTextFile(csvPath, toCsv(instances), '--csv');
    process.stdout.write(`measured ${instances.length} nuclei: ${geojsonPath}${csvPath ? `, ${csvPath}` : ''}\n`);
    return 0;
  },
};
