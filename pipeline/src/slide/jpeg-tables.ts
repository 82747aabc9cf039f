/**
 * Splits a baseline JPEG into its tables (DQT, DHT) and an "abbreviated" stream without
 * them, the layout TIFF uses for JPEG tiles with a shared JPEGTables tag (TIFF Technical
 * Note 2). Pure and browser-safe.
 */
import { InvalidArgumentError } from '../errors/index.js';

/** A JPEG split into shared tables and the per-tile remainder. */
export interface SplitJpeg {
  /** SOI, the DQT and DHT segments, EOI: the value of a TIFF JPEGTables tag. */
  readonly tables: Uint8Array;
  /** SOI, the frame and scan without tables or APPn segments, EOI. */
  readonly abbreviated: Uint8Array;
}

const SOI = 0xd8;
const SOS = 0xda;
const DQT = 0xdb;
const DHT = 0xc4;

/**
 * Splits `jpeg` (a complete baseline JPEG). APPn and COM segments (JFIF, EXIF) are dropped:
 * inside TIFF the Photometric tag says the colour space.
 * @throws {InvalidArgumentError} when `jpeg` is not a JPEG stream.
 * @example
 * const { tables, abbreviated } = splitJpegTables(await sharp(raw).jpeg().toBuffer());
 */
export function splitJpegTables(jpeg: Uint8Array): SplitJpeg {
  if (jpeg[0] !== 0xff || jpeg[1] !== SOI) throw new InvalidArgumentError('not a JPEG stream (no SOI marker)');
  const tables: Uint8Array[] = [new Uint8Array([0xff, SOI])];
  const rest: Uint8Array[] = [new Uint8Array([0xff, SOI])];
  let i = 2;
  while (i + 4 <= jpeg.length) {
    if (jpeg[i] !== 0xff) throw new InvalidArgumentError(`JPEG: expected a marker at byte ${i}`);
    const marker = jpeg[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === SOS) {
      rest.push(jpeg.subarray(i));
      break;
    }
    const len = (jpeg[i + 2] << 8) | jpeg[i + 3];
    const segment = jpeg.subarray(i, i + 2 + len);
    const isApp = (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;
    if (marker === DQT || marker === DHT) tables.push(segment);
    else if (!isApp) rest.push(segment);
    i += 2 + len;
  }
  tables.push(new Uint8Array([0xff, 0xd9]));
  return { tables: concat(tables), abbreviated: concat(rest) };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** True when two byte arrays are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
