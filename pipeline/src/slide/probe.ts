/**
 * The first look at a slide file that every format's `canRead` decides from: size, magic
 * bytes and, for TIFF, its page directories. Node-only.
 */
import { open, stat } from 'node:fs/promises';
import { fromFile, GeoTIFFImage, type GeoTIFF } from 'geotiff';
import { CorruptInputError, InvalidArgumentError, NotFoundError, throwIfAborted } from '../errors/index.js';
import { describeTiffPage, type TiffPage } from './tiff-page.js';

/** What the first bytes say a file is. */
export type FileMagic = 'tiff' | 'bigtiff' | 'png' | 'jpeg' | 'webp' | 'unknown';

/** A TIFF file's directories, parsed once and shared by every format's `canRead`. */
export interface TiffProbe {
  /** The open file; the format that opens the slide takes it over (and closes it). */
  readonly file: GeoTIFF;
  /** Pages of the main IFD chain, in file order. */
  readonly pages: readonly TiffPage[];
  /** File offsets of page 0's SubIFDs (OME-TIFF pyramids keep reduced levels there). */
  readonly subIfdOffsets: readonly number[];
}

/** Everything a format needs to decide whether it reads a file. */
export interface SlideProbe {
  readonly path: string;
  readonly byteLength: number;
  readonly magic: FileMagic;
  /** Present for TIFF and BigTIFF files. */
  readonly tiff: TiffProbe | undefined;
}

// Slides have a handful of pages; a chain longer than this is damage or a stack we do not read.
const MAX_PAGES = 64;

function magicOf(head: Uint8Array): FileMagic {
  const b = head;
  const le = b[0] === 0x49 && b[1] === 0x49;
  const be = b[0] === 0x4d && b[1] === 0x4d;
  if (le || be) {
    const n = le ? b[2] | (b[3] << 8) : (b[2] << 8) | b[3];
    if (n === 42) return 'tiff';
    if (n === 43) return 'bigtiff';
  }
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) return 'webp';
  return 'unknown';
}

/**
 * Opens a page at a file offset outside the main chain (a SubIFD).
 * @throws {CorruptInputError} when the offset lies outside the file or its tags are damaged.
 */
export async function tiffPageAt(probe: SlideProbe, offset: number): Promise<TiffPage> {
  const tiff = probe.tiff;
  if (!tiff) throw new InvalidArgumentError(`${probe.path}: not a TIFF`);
  if (!(offset > 0 && offset < probe.byteLength)) {
    throw new CorruptInputError(`${probe.path}: SubIFD offset ${offset} lies outside the ${probe.byteLength}-byte file`);
  }
  try {
    const ifd = await tiff.file.parser.parseFileDirectoryAt(offset);
    return await describeTiffPage(new GeoTIFFImage(ifd, tiff.file.littleEndian, false, tiff.file.source), probe.path);
  } catch (err) {
    if (err instanceof CorruptInputError) throw err;
    throw new CorruptInputError(`${probe.path}: unreadable SubIFD at ${offset} (${(err as Error).message})`, { cause: err });
  }
}

async function probeTiff(path: string, byteLength: number, signal: AbortSignal | undefined): Promise<TiffProbe> {
  let file: GeoTIFF | undefined;
  try {
    file = await fromFile(path, signal);
    const pages: TiffPage[] = [];
    let offset = Number(file.firstIFDOffset);
    for (let i = 0; i < MAX_PAGES && offset !== 0; i++) {
      // geotiff.js reads past the end as zeros; a directory beyond EOF is truncation, not an empty page.
      if (offset >= byteLength) throw new Error(`directory ${i} at byte ${offset} lies past the end of the ${byteLength}-byte file`);
      const ifd = await file.parser.parseFileDirectoryAt(offset);
      pages.push(await describeTiffPage(new GeoTIFFImage(ifd, file.littleEndian, false, file.source), path));
      offset = Number(ifd.nextIFDByteOffset);
      throwIfAborted(signal);
    }
    const subIfds = await pages[0]?.image.fileDirectory.loadValue('SubIFDs');
    const subIfdOffsets = subIfds === undefined ? [] : Array.from(subIfds as ArrayLike<number | bigint>, Number);
    return { file, pages, subIfdOffsets };
  } catch (err) {
    await file?.close();
    if (err instanceof CorruptInputError || (err as Error)?.name === 'AbortedError') throw err;
    throw new CorruptInputError(`${path}: damaged or truncated TIFF (${(err as Error)?.message ?? String(err)})`, { cause: err });
  }
}

/**
 * Reads a file's size, magic bytes and (for TIFF) page directories.
 * @throws {NotFoundError} missing file; {@link InvalidArgumentError} a folder;
 *   {@link CorruptInputError} a TIFF whose directories cannot be parsed.
 * @example
 * const probe = await probeSlide('slides/case1.svs');
 * probe.magic; // 'tiff'
 */
export async function probeSlide(path: string, signal?: AbortSignal): Promise<SlideProbe> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new InvalidArgumentError(`${path}: not a regular file`);
    size = st.size;
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`no such slide file: ${path}`, { cause: err });
    throw err;
  }
  const head = new Uint8Array(16);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const magic = magicOf(head);
  const tiff = magic === 'tiff' || magic === 'bigtiff' ? await probeTiff(path, size, signal) : undefined;
  return { path, byteLength: size, magic, tiff };
}
