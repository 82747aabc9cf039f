/** Bounded caches (browser-safe). */
export * from './byte-lru.js';
