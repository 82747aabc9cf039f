/**
 * Per-nucleus measurements. Geometry is in level-0 pixels of the slide (or of the image
 * when no offset is given): pixel (c, r) covers [c, c + 1) x [r, r + 1), so a pixel's centre
 * is at (c + 0.5, r + 0.5) and outlines run along pixel corners. Browser-safe.
 */
import type { Rect } from '../raster/types.js';

/** A point in level-0 pixels. */
export interface PixelPoint {
  readonly x: number;
  readonly y: number;
}

/** One labelled nucleus and its measurements. Plain JSON (no typed arrays), so it crosses worker boundaries as is. */
export interface NucleusInstance {
  /** The label value in the label image. */
  readonly id: number;
  /** Pixel count (level-0 px²). */
  readonly area: number;
  /** Area in µm², when microns per pixel were given. */
  readonly areaUm2?: number;
  /**
   * Boundary length in level-0 px, as scikit-image `regionprops` `perimeter` (4-neighbourhood
   * border pixels, weighted by their 8-neighbour pattern: 1 for straight runs, √2 for
   * diagonal steps, (1 + √2) / 2 for corners). A 3x3 square measures 8. NaN when the
   * caller had it left out (`measureNuclei`'s `omit`).
   */
  readonly perimeter: number;
  /** {@link perimeter} in µm, when microns per pixel were given. */
  readonly perimeterUm?: number;
  /** Mean of the pixel centres (level-0 px; pixel (c, r) counts as (c + 0.5, r + 0.5)). */
  readonly centroid: PixelPoint;
  /** Half-open bounding box of the pixels, level-0 px. */
  readonly bbox: Rect;
  /** Diameter of the disc with the same area, sqrt(4 area / π), in px. */
  readonly equivalentDiameter: number;
  /** {@link equivalentDiameter} in µm, when microns per pixel were given. */
  readonly equivalentDiameterUm?: number;
  /** Eccentricity of the ellipse with the same second central moments, in [0, 1) (regionprops). */
  readonly eccentricity: number;
  /**
   * Angle in radians between the row axis (image y, pointing down) and the major axis of
   * that ellipse, in [-π/2, π/2], as scikit-image `regionprops` `orientation`.
   */
  readonly orientation: number;
  /**
   * Area over the area of the convex hull of the pixels' corners (continuous hull, not
   * rasterized), in (0, 1]. NaN when the caller had it left out (`measureNuclei`'s `omit`).
   */
  readonly solidity: number;
  /** Mean R, G, B over the nucleus (0..255), when an image was given. */
  readonly meanRgb?: readonly [number, number, number];
  /** Mean hematoxylin concentration (optical density units), when an image and stain parameters were given. */
  readonly meanHematoxylin?: number;
  /**
   * Outer boundary as a closed ring (first point repeated last) of [x, y] level-0 px, traced
   * along pixel corners so it encloses the pixels, then Douglas-Peucker simplified. The ring
   * runs counter-clockwise in (x, y) values (clockwise on screen, y down), as RFC 7946 asks.
   * Holes are not represented. A label split into several pieces gets the outline of the
   * piece met first in raster order (the other measurements cover every piece).
   */
  readonly outline: readonly (readonly [number, number])[];
}
