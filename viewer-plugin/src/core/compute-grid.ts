/**
 * The viewer's side of the server's compute grid: the view rectangle in whole pixels. The
 * grid itself, its tile keys and its ownership rule are the pipeline's
 * (`@nucleilens/pipeline/grid`, keys re-exported here), shared with the server. DOM-free.
 */
import type { Rect } from './server-types.js';

export { cellKey, parseCellKey } from '@nucleilens/pipeline/grid';

/**
 * `rect` rounded outwards to whole pixels and clipped to the slide, so the viewer and the
 * server's `/nuclei?x=&y=&w=&h=` speak of exactly the same rectangle.
 * @example
 * snapRect({ x: -3.2, y: 10.5, width: 20.1, height: 5 }, 100, 100); // { x: 0, y: 10, width: 17, height: 6 }
 */
export function snapRect(rect: Rect, slideWidth: number, slideHeight: number): Rect {
  const x0 = Math.max(0, Math.floor(rect.x));
  const y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(slideWidth, Math.ceil(rect.x + rect.width));
  const y1 = Math.min(slideHeight, Math.ceil(rect.y + rect.height));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}
