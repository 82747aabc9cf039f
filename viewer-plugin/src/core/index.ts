/**
 * DOM-free pieces of the viewer plugin: compute-grid geometry, parameter encoding, nucleus
 * records and hit-testing, colour scales, and the per-tile nuclei the tuning worker
 * computes. Usable in Node (tests, notebooks) and in workers.
 */
export * from './server-types.js';
export * from './compute-grid.js';
export * from './tuning-params.js';
export * from './nucleus-record.js';
export * from './spatial-index.js';
export * from './color-scale.js';
export * from './tile-nuclei.js';
export * from './marker-cut-shelf.js';
