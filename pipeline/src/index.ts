export * from './errors/index.js';
export * from './raster/index.js';
export * from './io/image-io.js';
