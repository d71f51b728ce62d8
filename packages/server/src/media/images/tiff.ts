// TIFF image file directories (IFDs), classic and BigTIFF: dimensions, orientation and page
// count of TIFF files, and the orientation inside JPEG EXIF blocks. IFDs can sit anywhere in a
// file (libtiff writes them after the pixels), so they are read by offset, never by prefix.
import { CachedReader, HeaderError } from '../reader.js';
import { bufferSource } from '../sources.js';

export interface TiffDirectory {
  width?: number;
  height?: number;
  orientation?: number;
  /** NewSubfileType bit 0: a reduced-resolution copy (thumbnail, pyramid level), not a page. */
  reduced: boolean;
  compression?: number;
}

export interface TiffInfo {
  first: TiffDirectory;
  /** Full-resolution directories (pages); 1 when only the first was read. */
  pages: number;
}

const TAG_NEW_SUBFILE_TYPE = 254;
const TAG_WIDTH = 256;
const TAG_HEIGHT = 257;
const TAG_COMPRESSION = 259;
const TAG_ORIENTATION = 274;
const MAX_DIRECTORIES = 10_000;
const MAX_ENTRIES = 4096;

/** Reads the TIFF structure starting at `base` (0 for a TIFF file). */
export async function readTiff(reader: CachedReader, options: { base?: number; allPages: boolean }): Promise<TiffInfo> {
  const base = options.base ?? 0;
  const header = await reader.readExact(base, 16 <= reader.size - base ? 16 : 8, 'TIFF header');
  const order = header.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') throw new HeaderError('the TIFF byte-order mark is invalid');
  const le = order === 'II';
  const u16 = (b: Buffer, at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const u64 = (b: Buffer, at: number) => Number(le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
  const magic = u16(header, 2);
  const big = magic === 43;
  if (magic !== 42 && !big) throw new HeaderError('the TIFF version number is invalid');
  if (big && header.length < 16) throw new HeaderError('the file ends inside its BigTIFF header (it looks truncated)');

  let next = big ? u64(header, 8) : u32(header, 4);
  const seen = new Set<number>();
  let first: TiffDirectory | undefined;
  let pages = 0;
  while (next !== 0 && seen.size < MAX_DIRECTORIES) {
    if (seen.has(next)) break; // a loop of directories: stop rather than spin
    seen.add(next);
    const at = base + next;
    const entrySize = big ? 20 : 12;
    let count: number;
    let body: Buffer;
    try {
      const countBytes = await reader.readExact(at, big ? 8 : 2, 'TIFF directory');
      count = big ? u64(countBytes, 0) : u16(countBytes, 0);
      if (count === 0 || count > MAX_ENTRIES) throw new HeaderError(`a TIFF directory claims ${count} entries`);
      body = await reader.readExact(at + (big ? 8 : 2), count * entrySize + (big ? 8 : 4), 'TIFF directory');
    } catch (error) {
      // A broken link after the first page loses only the later pages.
      if (first && error instanceof HeaderError) break;
      throw error;
    }
    const dir: TiffDirectory = { reduced: false };
    for (let i = 0; i < count; i++) {
      const e = i * entrySize;
      const tag = u16(body, e);
      const type = u16(body, e + 2);
      const valueCount = big ? u64(body, e + 4) : u32(body, e + 4);
      if (valueCount !== 1) continue;
      const valueAt = e + (big ? 12 : 8);
      // SHORT (3) and LONG (4) values sit left-justified in the entry; LONG8 (16) only in BigTIFF.
      const value = type === 3 ? u16(body, valueAt) : type === 4 ? u32(body, valueAt) : type === 16 && big ? u64(body, valueAt) : undefined;
      if (value === undefined) continue;
      if (tag === TAG_WIDTH) dir.width = value;
      else if (tag === TAG_HEIGHT) dir.height = value;
      else if (tag === TAG_ORIENTATION) dir.orientation = value;
      else if (tag === TAG_COMPRESSION) dir.compression = value;
      else if (tag === TAG_NEW_SUBFILE_TYPE) dir.reduced = (value & 1) === 1;
    }
    if (!first) first = dir;
    if (!dir.reduced) pages++;
    if (!options.allPages) break;
    next = big ? u64(body, count * entrySize) : u32(body, count * entrySize);
  }
  if (!first) throw new HeaderError('the TIFF file has no image directory');
  return { first, pages: Math.max(pages, 1) };
}

/**
 * The orientation (1–8) in an EXIF block (a TIFF structure, optionally after "Exif\0\0"), or
 * undefined. A broken block does not make the picture unreadable: no orientation, as viewers do.
 */
export async function exifOrientation(block: Buffer): Promise<number | undefined> {
  const tiff = block.toString('latin1', 0, 4) === 'Exif' ? block.subarray(6) : block;
  try {
    const value = (await readTiff(new CachedReader(bufferSource(tiff)), { allPages: false })).first.orientation;
    return value !== undefined && value >= 1 && value <= 8 ? value : undefined;
  } catch (error) {
    if (error instanceof HeaderError || error instanceof RangeError) return undefined;
    throw error;
  }
}
