/** Stain estimation and normalization (browser-safe). */
export * from './types.js';
export { fitStain, REFERENCE_HEMATOXYLIN, REFERENCE_EOSIN } from './fit.js';
export type { FitStainOptions } from './fit.js';
export { normalizeStain, stainConcentrations, HematoxylinMemo } from './apply.js';
export { DEFAULT_STAIN_TARGET } from './default-target.js';
