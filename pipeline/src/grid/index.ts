/** The fixed compute grid nuclei are computed on, its ownership rule, and one tile's owned nuclei (browser-safe). */
export * from './compute-grid.js';
export * from './owned-nuclei.js';
