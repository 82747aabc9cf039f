/**
 * Shared by the model tests: where the tiny fixture model lives and a deterministic
 * H&E-like synthetic image (pink background, dark purple blobs) to run it on.
 */
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '@nucleilens/pipeline';

/** Repository root, from build/test/unit/ (compiled) — never the working directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** test/fixtures/tiny-usenet.onnx and its card, made by test/fixtures/make-tiny-usenet.py. */
export const TINY_ONNX = `${REPO_ROOT}test/fixtures/tiny-usenet.onnx`;
export const TINY_CARD = `${REPO_ROOT}test/fixtures/tiny-usenet.json`;
export const TINY_CHECK = `${REPO_ROOT}test/fixtures/tiny-usenet.check.json`;

/** The MoNuSeg folder beside the repository (absent in a fresh clone: tests then skip). */
export const MONUSEG_DIR = `${REPO_ROOT}../shared/data/monuseg`;

/**
 * A width x height H&E-like image: pink background with mild texture and dark purple
 * discs of radius 5..10 at pseudo-random places (fixed seed), so the fixture model sees
 * nucleus-like blobs.
 */
export function syntheticHe(width: number, height: number, seed = 1): RgbImage {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const t = Math.floor(rand() * 12);
    data[3 * i] = 225 + t;
    data[3 * i + 1] = 150 + t;
    data[3 * i + 2] = 195 + t;
  }
  const blobs = Math.max(1, Math.round((width * height) / 900));
  for (let b = 0; b < blobs; b++) {
    const cx = rand() * width;
    const cy = rand() * height;
    const r = 5 + rand() * 5;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, Math.ceil(cx + r)); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        const i = 3 * (y * width + x);
        data[i] = 90 + Math.floor(rand() * 20);
        data[i + 1] = 50 + Math.floor(rand() * 20);
        data[i + 2] = 140 + Math.floor(rand() * 20);
      }
    }
  }
  return { width, height, data };
}
