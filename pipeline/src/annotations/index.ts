/** Annotation parsing and rasterizing (browser-safe). */
export type { Polygon } from './polygon.js';
export * from './monuseg-xml.js';
export * from './rasterize.js';
