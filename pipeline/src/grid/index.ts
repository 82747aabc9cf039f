/** The fixed compute grid nuclei are computed on, and its ownership rule (browser-safe). */
export * from './compute-grid.js';
