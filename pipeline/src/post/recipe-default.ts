/**
 * NucleiLens' default post-processing recipe.
 * Browser-safe: no Node built-ins.
 */
import type { LabelImage, ProbMap } from '../raster/types.js';
import { thresholdProb } from '../raster/create.js';
import { countComponents } from './connected-components.js';
import { dilateLabels } from './dilate-labels.js';
import { buildElevation } from './elevation.js';
import { fillHoles } from './fill-holes.js';
import type { DefaultPostprocessParams } from './postprocess-params.js';
import { removeSmallObjects } from './remove-small-objects.js';
import { watershed } from './watershed.js';
import { fillRun, labelRuns } from './run-labelling.js';

/**
 * Threshold the mask, drop small objects and fill small holes; seed a watershed with the
 * marker components (small ones dropped) and flood the chosen elevation inside the mask
 * only, without lines, so every mask pixel of a seeded object goes to one of its markers;
 * each mask object without a marker becomes one instance as it is; dilate. Inputs are
 * already validated by {@link postprocess}.
 * @returns labels 1..N without gaps, Int32: marker-seeded instances first (in raster order
 *   of their markers), then the unseeded objects (in raster order).
 */
export function postprocessDefault(mask: ProbMap, marker: ProbMap, params: DefaultPostprocessParams): LabelImage {
  const cleaned = removeSmallObjects(thresholdProb(mask, params.maskThreshold), params.minNucleusArea, 8);
  const maskBin = fillHoles(cleaned, params.maxHoleArea, 4);
  const markerBin = thresholdProb(marker, params.markerThreshold);
  // A marker counts only where it lies on the nucleus mask; what sticks out cannot seed.
  for (let i = 0; i < markerBin.data.length; i++) markerBin.data[i] &= maskBin.data[i];
  const seedMask = removeSmallObjects(markerBin, params.minMarkerArea, 8);
  const seeds = countComponents(seedMask, 8);
  const elevation = buildElevation(params.elevation, mask, maskBin, seedMask);
  // 8-neighbour flooding reaches every pixel of an 8-connected mask object.
  const labels = watershed(elevation, seeds.labels, { mask: maskBin, connectivity: 8 }).data;
  const inMask = maskBin.data;
  const unseeded = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) if (inMask[i] !== 0 && labels[i] === 0) unseeded[i] = 1;
  // Orphan objects are labelled run by run, after the seeded ids.
  const orphans = labelRuns({ width: mask.width, height: mask.height, data: unseeded }, 8);
  const first = seeds.count;
  for (let r = 0; r < orphans.runs; r++) fillRun(labels, first + orphans.label[r], orphans.start[r], orphans.end[r]);
  return dilateLabels({ width: mask.width, height: mask.height, data: labels }, params.dilateRadius);
}
