/**
 * The USE-Net authors' post-processing recipe.
 * Browser-safe: no Node built-ins.
 */
import type { BinaryMask, LabelImage, ProbMap } from '../raster/types.js';
import { thresholdProb } from '../raster/create.js';
import { countComponents, connectedComponents } from './connected-components.js';
import { dilateLabels } from './dilate-labels.js';
import { buildElevation } from './elevation.js';
import type { PaperPostprocessParams } from './postprocess-params.js';
import { removeSmallObjects } from './remove-small-objects.js';
import { watershed } from './watershed.js';

/** MATLAB `1 - bwareaopen(1 - bw, n)`: every 8-connected background piece under n px, border or not. */
function fillSmallBackground(mask: BinaryMask, maxArea: number): BinaryMask {
  const inverted = new Uint8Array(mask.data.length);
  for (let i = 0; i < inverted.length; i++) inverted[i] = mask.data[i] === 0 ? 1 : 0;
  const kept = removeSmallObjects({ width: mask.width, height: mask.height, data: inverted }, maxArea, 8).data;
  for (let i = 0; i < kept.length; i++) kept[i] ^= 1;
  return { width: mask.width, height: mask.height, data: kept };
}

/**
 * Rahmon et al.'s MATLAB post-processing, step for step as their released script does it
 * (github.com/CIVA-Lab/USE-Net, Postprocessing/postProcessing.m; Rahmon et al., "Extending
 * U-Net Network for Improved Nuclei Instance Segmentation Accuracy in Histopathology
 * Images", AIPR 2021, DOI 10.1109/AIPR52630.2021.9762215):
 * 1. threshold both maps (strictly above, `im2bw`) and drop mask objects under
 *    `minNucleusArea` and marker objects under `minMarkerArea` (8-connected, `bwareaopen`);
 * 2. flood the elevation from the marker components over the whole image with
 *    8-neighbour watershed lines (`watershed(~marker)`, i.e. `'marker-complement'`) and
 *    clear the mask on the lines; with no marker at all nothing is cut;
 * 3. drop mask objects under `minNucleusArea` again (cuts leave slivers);
 * 4. fill background pieces under `maxHoleArea` (8-connected, including pieces at the
 *    border: `1 - bwareaopen(1 - mask, n)`);
 * 5. label 8-connected (`bwlabel`) and dilate every label by the disk, each label in turn
 *    overwriting earlier ones, which is a grey-level dilation (overlap `'max'`).
 * Inputs are already validated by {@link postprocess}.
 * @returns labels 1..N (raster order), Int32.
 */
export function postprocessPaper(mask: ProbMap, marker: ProbMap, params: PaperPostprocessParams): LabelImage {
  let maskBin = removeSmallObjects(thresholdProb(mask, params.maskThreshold), params.minNucleusArea, 8);
  const markerBin = removeSmallObjects(thresholdProb(marker, params.markerThreshold), params.minMarkerArea, 8);
  const seeds = countComponents(markerBin, 8);
  if (seeds.count > 0) {
    const elevation = buildElevation(params.elevation, mask, maskBin, markerBin);
    // Lines computed with 8-neighbours leave no diagonal contact between basins, so the
    // 8-connected labelling below cannot leak across a cut.
    const basins = watershed(elevation, seeds.labels, { connectivity: 8, watershedLine: true }).data;
    const cut = maskBin.data;
    for (let i = 0; i < cut.length; i++) if (basins[i] === 0) cut[i] = 0;
    maskBin = removeSmallObjects(maskBin, params.minNucleusArea, 8);
  }
  const filled = fillSmallBackground(maskBin, params.maxHoleArea);
  return dilateLabels(connectedComponents(filled, 8), params.dilateRadius, { overlap: 'max' });
}
