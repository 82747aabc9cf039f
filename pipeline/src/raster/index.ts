/** Browser-safe raster types and helpers (no Node built-ins). */
export * from './types.js';
export * from './create.js';
