import type { StainParams } from './types.js';

/**
 * The default normalization target: the liver image the USE-Net paper normalized to
 * (MoNuSeg training image TCGA-B0-5711-01Z-00-DX1), fitted once with
 * `fitStain(image, { method })` at default options. The numbers are kept here so that
 * normalization needs no data file; `test/unit/stain-target.test.ts` refits them from the
 * shared image when it is present and checks they still agree.
 */
export const DEFAULT_STAIN_TARGET = {
  source: 'TCGA-B0-5711-01Z-00-DX1 (MoNuSeg 2018 training set, liver)',
  vahadane: {
    method: 'vahadane',
    stainMatrix: [
      [0.5355873022848868, 0.7367907407323262, 0.4126568138323992],
      [0.2924357463590869, 0.8111034835632912, 0.5065495762537933],
    ],
    maxConcentrations: [3.002558946609497, 1.461126446723938],
    background: 255,
  },
  macenko: {
    method: 'macenko',
    stainMatrix: [
      [0.5615591917173637, 0.724722038082098, 0.39928591474765474],
      [0.09442516466039594, 0.8387823609476696, 0.5362164108286042],
    ],
    maxConcentrations: [2.971958875656128, 0.9443362355232239],
    background: 255,
  },
} as const satisfies { source: string; vahadane: StainParams; macenko: StainParams };
