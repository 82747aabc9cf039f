/**
 * Mean colour and hematoxylin density of selected nuclei, decomposing only their pixels.
 * `measureNuclei` with an image and stain parameters decomposes every pixel of the raster
 * (most of a compute tile's cost after a threshold change, for nuclei the tile then drops
 * under the ownership rule); here the owned nuclei's pixels are packed and decomposed
 * alone, with the same per-pixel stain solver and the same raster-order sums, so the
 * figures are those `measureNuclei` gives.
 */
import { stainConcentrations, type LabelImage, type NucleusInstance, type RgbImage, type StainParams } from '@nucleilens/pipeline';

/**
 * `instances` with `meanRgb` and `meanHematoxylin` filled in from `image` (the raster the
 * labels were segmented from, same size).
 * @param instances nuclei whose `id` is their label value in `labels`
 * @example
 * const owned = withColour(measureNuclei(labels).filter(keep), labels, rgb, slideStain);
 */
export function withColour(instances: readonly NucleusInstance[], labels: LabelImage, image: RgbImage, stain: StainParams): NucleusInstance[] {
  if (instances.length === 0) return [];
  let maxId = 0;
  for (const n of instances) maxId = Math.max(maxId, n.id);
  const slotOf = new Int32Array(maxId + 1).fill(-1);
  instances.forEach((n, k) => (slotOf[n.id] = k));
  const lab = labels.data;
  let count = 0;
  for (let i = 0; i < lab.length; i++) {
    const v = lab[i];
    if (v > 0 && v <= maxId && slotOf[v] >= 0) count++;
  }
  const packed = new Uint8Array(count * 3);
  const slots = new Int32Array(count);
  for (let i = 0, j = 0; i < lab.length; i++) {
    const v = lab[i];
    if (v <= 0 || v > maxId || slotOf[v] < 0) continue;
    packed[3 * j] = image.data[3 * i];
    packed[3 * j + 1] = image.data[3 * i + 1];
    packed[3 * j + 2] = image.data[3 * i + 2];
    slots[j++] = slotOf[v];
  }
  const h = stainConcentrations(stain, { width: count, height: 1, data: packed }).hematoxylin;
  const sums = new Float64Array(instances.length * 5);
  for (let j = 0; j < count; j++) {
    const o = slots[j] * 5;
    sums[o] += packed[3 * j];
    sums[o + 1] += packed[3 * j + 1];
    sums[o + 2] += packed[3 * j + 2];
    sums[o + 3] += h[j];
    sums[o + 4]++;
  }
  return instances.map((n, k) => {
    const o = k * 5;
    const px = sums[o + 4];
    if (px === 0) return n;
    return { ...n, meanRgb: [sums[o] / px, sums[o + 1] / px, sums[o + 2] / px] as const, meanHematoxylin: sums[o + 3] / px };
  });
}
