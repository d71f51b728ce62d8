// Image headers → displayed size, frames and cheap facts, for each accepted format, reading only
// the header structures through the reader (pixels are never decoded).
import type { ImageFormat } from '../formats.js';
import { HeaderError, type CachedReader } from '../reader.js';
import { readGif } from './gif.js';
import { children, find, readIsoImage } from './isobmff.js';
import { readJpeg } from './jpeg.js';
import { readPng, readWebp } from './riff.js';
import { readTiff } from './tiff.js';

export interface ImageHeader {
  /** As displayed: EXIF orientations 5–8 and HEIF quarter turns swap the stored width and height. */
  width: number;
  height: number;
  frames: number;
  technical: Record<string, string | number | boolean>;
}

export async function readImageHeader(reader: CachedReader, format: ImageFormat): Promise<ImageHeader> {
  try {
    return await read(reader, format);
  } catch (error) {
    // A header whose numbers point outside its own bytes is damaged, whatever the parser.
    if (error instanceof RangeError) throw new HeaderError('the header is inconsistent');
    throw error;
  }
}

async function read(reader: CachedReader, format: ImageFormat): Promise<ImageHeader> {
  switch (format) {
    case 'jpeg': {
      const jpeg = await readJpeg(reader);
      return oriented(jpeg.width, jpeg.height, 1, jpeg.orientation, { image_progressive: jpeg.progressive });
    }
    case 'tiff': {
      const tiff = await readTiff(reader, { allPages: true });
      const { width, height, orientation, compression } = tiff.first;
      if (!width || !height) throw new HeaderError('the TIFF directory gives no image size');
      return oriented(width, height, tiff.pages, orientation, compression ? { image_compression: tiffCompression(compression) } : {});
    }
    case 'png': {
      const png = await readPng(reader);
      return oriented(png.width, png.height, png.frames, png.orientation, {});
    }
    case 'webp': {
      const webp = await readWebp(reader);
      return oriented(webp.width, webp.height, webp.frames, webp.orientation, {});
    }
    case 'gif':
      return plain(await readGif(reader));
    case 'bmp':
      return plain(await readBmp(reader));
    case 'heic':
    case 'heif':
    case 'avif': {
      const iso = await readIsoImage(reader);
      return plain(iso, iso.rotation ? { image_rotation_degrees: iso.rotation * 90 } : {});
    }
    case 'jp2':
      return plain(await readJp2(reader));
    case 'j2k':
      return plain(await readJ2k(reader, 0));
  }
}

function plain(size: { width: number; height: number; frames: number }, technical: ImageHeader['technical'] = {}): ImageHeader {
  return { width: size.width, height: size.height, frames: size.frames, technical };
}

function oriented(width: number, height: number, frames: number, orientation: number | undefined, technical: ImageHeader['technical']): ImageHeader {
  const facts = orientation && orientation !== 1 ? { ...technical, image_orientation: orientation } : technical;
  const turned = orientation !== undefined && orientation >= 5 && orientation <= 8;
  return { width: turned ? height : width, height: turned ? width : height, frames, technical: facts };
}

/** BMP: the DIB header after the 14-byte file header; OS/2 core headers have 16-bit sizes. */
async function readBmp(reader: CachedReader): Promise<{ width: number; height: number; frames: number }> {
  const head = await reader.readExact(0, 26, 'BMP header');
  const dibSize = head.readUInt32LE(14);
  let width: number;
  let height: number;
  if (dibSize === 12) {
    width = head.readUInt16LE(18);
    height = head.readUInt16LE(20);
  } else if (dibSize >= 40 && dibSize <= 1024) {
    width = head.readInt32LE(18);
    height = Math.abs(head.readInt32LE(22)); // negative: rows stored top-down
  } else {
    throw new HeaderError(`the BMP header has an unknown size (${dibSize} bytes)`);
  }
  if (width <= 0 || height <= 0) throw new HeaderError('the BMP header gives no size');
  return { width, height, frames: 1 };
}

/** JPEG 2000 in its JP2 container: the image header box (ihdr) inside the header box (jp2h). */
async function readJp2(reader: CachedReader): Promise<{ width: number; height: number; frames: number }> {
  const top = await children(reader, 0, reader.size);
  const jp2h = find(top, 'jp2h');
  if (!jp2h) throw new HeaderError('the JPEG 2000 header box (jp2h) is missing');
  const ihdr = find(await children(reader, jp2h.start, jp2h.end), 'ihdr');
  if (!ihdr) throw new HeaderError('the JPEG 2000 image header box (ihdr) is missing');
  const header = await reader.readExact(ihdr.start, 8, 'JPEG 2000 image header');
  const height = header.readUInt32BE(0);
  const width = header.readUInt32BE(4);
  if (!width || !height) throw new HeaderError('the JPEG 2000 image header gives no size');
  return { width, height, frames: 1 };
}

/** A raw JPEG 2000 codestream: the image size (SIZ) marker segment right after the start marker. */
async function readJ2k(reader: CachedReader, at: number): Promise<{ width: number; height: number; frames: number }> {
  const siz = await reader.readExact(at, 24, 'JPEG 2000 size marker');
  if (siz.readUInt16BE(0) !== 0xff4f || siz.readUInt16BE(2) !== 0xff51) throw new HeaderError('the JPEG 2000 size marker (SIZ) is missing');
  // The image is the reference grid minus its offsets: Xsiz − XOsiz by Ysiz − YOsiz.
  const width = siz.readUInt32BE(8) - siz.readUInt32BE(16);
  const height = siz.readUInt32BE(12) - siz.readUInt32BE(20);
  if (width <= 0 || height <= 0) throw new HeaderError('the JPEG 2000 size marker gives no size');
  return { width, height, frames: 1 };
}

const TIFF_COMPRESSION: Readonly<Record<number, string>> = {
  1: 'none',
  2: 'ccitt-rle',
  3: 'ccitt-g3',
  4: 'ccitt-g4',
  5: 'lzw',
  6: 'jpeg-old',
  7: 'jpeg',
  8: 'deflate',
  32773: 'packbits',
  32946: 'deflate',
  34925: 'lzma',
  50000: 'zstd',
  50001: 'webp',
};

function tiffCompression(code: number): string {
  return TIFF_COMPRESSION[code] ?? `code-${code}`;
}
