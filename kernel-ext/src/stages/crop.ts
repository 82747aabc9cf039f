/** Cutting a rectangle out of a picture or a pair of maps (e.g. a small region to tune on). */
import { InvalidArgumentError, cropPlane, cropRgb, type ProbMap, type Rect } from '@nucleilens/pipeline';
import { Picture } from '../views/picture.js';
import { Probabilities } from '../views/probabilities.js';

function checkRect(rect: Rect, width: number, height: number): void {
  const ok = [rect.x, rect.y, rect.width, rect.height].every(Number.isInteger) && rect.x >= 0 && rect.y >= 0 && rect.width > 0 && rect.height > 0;
  if (!ok || rect.x + rect.width > width || rect.y + rect.height > height) {
    throw new InvalidArgumentError(`crop ${rect.x},${rect.y} ${rect.width}x${rect.height} is not inside ${width}x${height}`);
  }
}

async function cropPicture(pic: Picture, rect: Rect): Promise<Picture> {
  checkRect(rect, pic.width, pic.height);
  const o = pic.info.origin ?? { x: 0, y: 0 };
  return Picture.create(cropRgb(pic.rgb, rect.x, rect.y, rect.width, rect.height), {
    ...pic.info,
    name: `${pic.info.name} [${rect.x},${rect.y} ${rect.width}x${rect.height}]`,
    origin: { x: o.x + rect.x, y: o.y + rect.y },
    timing: undefined,
  });
}

/**
 * A rectangle (px of the value, half-open) of a picture, or of probability maps together
 * with their picture. The crop keeps its place in the slide (origin) and its µm/px.
 * @throws {InvalidArgumentError} when the rectangle is not inside.
 * @example
 * await tune(await crop(ref, { x: 0, y: 0, width: 512, height: 512 }));
 */
export async function crop(value: Probabilities, rect: Rect): Promise<Probabilities>;
export async function crop(value: Picture, rect: Rect): Promise<Picture>;
export async function crop(value: Picture | Probabilities, rect: Rect): Promise<Picture | Probabilities> {
  if (value instanceof Picture) return cropPicture(value, rect);
  checkRect(rect, value.width, value.height);
  const cut = (m: ProbMap): ProbMap => cropPlane<Uint8Array | Float32Array>(m, rect.x, rect.y, rect.width, rect.height) as ProbMap;
  const picture = value.info.picture ? await cropPicture(value.info.picture, rect) : undefined;
  return Probabilities.create(cut(value.mask), cut(value.marker), { ...value.info, picture, timing: undefined });
}
