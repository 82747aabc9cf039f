export * from './errors/index.js';
export * from './raster/index.js';
export * from './io/image-io.js';
export * from './annotations/index.js';
export * from './stain/index.js';
export * from './measure/index.js';
export * from './model/index.js';
