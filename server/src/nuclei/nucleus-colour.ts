/**
 * Mean colour and hematoxylin density of selected nuclei. `measureNuclei` with an image and
 * stain parameters decomposes every pixel of the raster; here only the selected nuclei's
 * pixels are read, through a per-slide memo of each colour's hematoxylin (the tiles of a
 * slide share most colours, so after the first few tiles nearly nothing is solved), with the
 * same solver and the same raster-order sums, so the figures are those `measureNuclei` gives.
 */
import { HematoxylinMemo, type FloatImage, type LabelImage, type NucleusInstance, type RgbImage, type StainParams } from '@nucleilens/pipeline';

/** Memos of the stain parameters met last (a server thread serves a few slides at a time). */
const memos = new Map<string, HematoxylinMemo>();
const MEMOS_KEPT = 4;

function memoFor(stain: StainParams): HematoxylinMemo {
  const key = JSON.stringify(stain);
  let memo = memos.get(key);
  if (memo) {
    memos.delete(key);
  } else {
    memo = new HematoxylinMemo(stain);
    while (memos.size >= MEMOS_KEPT) memos.delete(memos.keys().next().value as string);
  }
  memos.set(key, memo);
  return memo;
}

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
  const memo = memoFor(stain);
  const lab = labels.data;
  const rgb = image.data;
  const sums = new Float64Array(instances.length * 5);
  for (let i = 0; i < lab.length; i++) {
    const v = lab[i];
    if (v <= 0 || v > maxId) continue;
    const k = slotOf[v];
    if (k < 0) continue;
    const o = k * 5;
    const r = rgb[3 * i];
    const g = rgb[3 * i + 1];
    const b = rgb[3 * i + 2];
    sums[o] += r;
    sums[o + 1] += g;
    sums[o + 2] += b;
    sums[o + 3] += memo.of(r, g, b);
    sums[o + 4]++;
  }
  return instances.map((n, k) => {
    const o = k * 5;
    const px = sums[o + 4];
    if (px === 0) return n;
    return { ...n, meanRgb: [sums[o] / px, sums[o + 1] / px, sums[o + 2] / px] as const, meanHematoxylin: sums[o + 3] / px };
  });
}

/**
 * Hematoxylin density of every pixel of `image` (OD units), through the same per-slide memo.
 * @example
 * const h = hematoxylinPlane(regionRgb, slideStain); // for the viewer's /probs tiles
 */
export function hematoxylinPlane(image: RgbImage, stain: StainParams): FloatImage {
  const memo = memoFor(stain);
  const n = image.width * image.height;
  const data = new Float32Array(n);
  const rgb = image.data;
  for (let i = 0; i < n; i++) data[i] = memo.of(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
  return { width: image.width, height: image.height, data };
}
