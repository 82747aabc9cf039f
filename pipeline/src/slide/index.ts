/**
 * Slide reading and writing (Node-only: file I/O through geotiff.js and sharp). Formats
 * are listed explicitly in {@link DEFAULT_SLIDE_FORMATS}.
 */
export * from './types.js';
export * from './region-geometry.js';
export * from './abortable.js';
export * from './base-reader.js';
export * from './tiff-page.js';
export * from './tiff-level-source.js';
export * from './tiff-pyramid-reader.js';
export * from './probe.js';
export * from './format.js';
export * from './tiled-tiff-format.js';
export * from './ome-tiff-format.js';
export * from './aperio-svs-format.js';
export * from './plain-image-format.js';
export * from './registry.js';
export * from './jpeg-tables.js';
export * from './tiff-writer.js';
export * from './jpeg-pyramid-writer.js';
export * from './write-pyramidal-tiff.js';
