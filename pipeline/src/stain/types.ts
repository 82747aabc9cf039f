/**
 * Stain parameters: plain JSON, fitted once per slide (or image) and applied to every tile,
 * so colours do not jump at tile edges and do not depend on the viewport.
 */

/** An optical-density unit vector (R, G, B components, each >= 0). */
export type OdVector = readonly [number, number, number];

/** Which estimator produced the parameters. */
export type StainMethod = 'vahadane' | 'macenko';

/**
 * Parameters of a two-stain (hematoxylin, eosin) decomposition of an H&E image.
 * `stainMatrix[0]` is hematoxylin, `stainMatrix[1]` eosin, both as unit OD vectors.
 */
export interface StainParams {
  readonly method: StainMethod;
  readonly stainMatrix: readonly [OdVector, OdVector];
  /** Robust maximum (99th percentile over tissue) of each stain's concentration, [H, E]. */
  readonly maxConcentrations: readonly [number, number];
  /** Transmitted light intensity of empty glass, per channel (0..255). */
  readonly background: number;
  /** Set when the fit could not estimate a stain and used the reference vector instead. */
  readonly fallback?: 'no-tissue' | 'single-stain';
}

/** Per-pixel stain concentrations (OD units), hematoxylin and eosin planes. */
export interface StainConcentrations {
  readonly width: number;
  readonly height: number;
  readonly hematoxylin: Float32Array;
  readonly eosin: Float32Array;
}
