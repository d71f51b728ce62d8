// WebP (RIFF) and PNG: sizes from the fixed first header (via image-size for WebP's three
// bitstream flavours), animation frames by walking chunk headers: WebP ANMF chunks, PNG's acTL.
import { imageSize } from 'image-size';
import { HeaderError, type CachedReader } from '../reader.js';
import { exifOrientation } from './tiff.js';

export interface AnimatedInfo {
  width: number;
  height: number;
  frames: number;
  /** EXIF orientation (WebP EXIF chunk, PNG eXIf chunk) when the file has one. */
  orientation?: number;
}

const MAX_EXIF_BYTES = 1024 * 1024;

const MAX_CHUNKS = 1_000_000;

export async function readWebp(reader: CachedReader): Promise<AnimatedInfo> {
  const head = await reader.readExact(0, 30, 'WebP header');
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WEBP') {
    throw new HeaderError('the WebP RIFF header is invalid');
  }
  const { width, height } = sizeOf(await reader.read(0, 64), 'WebP');
  // Only the extended format (VP8X) has animation or EXIF; its flags say which.
  const extended = head.toString('latin1', 12, 16) === 'VP8X';
  const animated = extended && (head[20]! & 0x02) !== 0;
  const hasExif = extended && (head[20]! & 0x08) !== 0;
  if (!animated && !hasExif) return { width, height, frames: 1 };
  // Chunks: fourcc, little-endian size, payload padded to an even length. EXIF comes last.
  const end = Math.min(reader.size, 8 + head.readUInt32LE(4));
  let frames = 0;
  let orientation: number | undefined;
  let at = 12;
  for (let n = 0; n < MAX_CHUNKS && at + 8 <= end; n++) {
    const chunk = await reader.readExact(at, 8, 'WebP chunks');
    const type = chunk.toString('latin1', 0, 4);
    const size = chunk.readUInt32LE(4);
    if (type === 'ANMF') frames++;
    if (type === 'EXIF' && hasExif && size <= MAX_EXIF_BYTES) orientation = await exifOrientation(await reader.read(at + 8, size));
    at += 8 + size + (size & 1);
  }
  if (animated && frames === 0) throw new HeaderError('the animated WebP has no frames');
  return { width, height, frames: Math.max(frames, 1), ...(orientation ? { orientation } : {}) };
}

export async function readPng(reader: CachedReader): Promise<AnimatedInfo> {
  const head = await reader.readExact(0, 33, 'PNG header');
  if (head.toString('latin1', 12, 16) !== 'IHDR') throw new HeaderError('the PNG header chunk (IHDR) is missing');
  const width = head.readUInt32BE(16);
  const height = head.readUInt32BE(20);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new HeaderError('the PNG header gives an impossible size');
  }
  // An APNG announces its frame count in acTL, and EXIF sits in eXIf, both before the first IDAT.
  let frames = 1;
  let orientation: number | undefined;
  let at = 8;
  for (let n = 0; n < MAX_CHUNKS && at + 8 <= reader.size; n++) {
    const chunk = await reader.readExact(at, 8, 'PNG chunks');
    const type = chunk.toString('latin1', 4, 8);
    const size = chunk.readUInt32BE(0);
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'acTL') frames = Math.max(1, (await reader.readExact(at + 8, 4, 'PNG animation control')).readUInt32BE(0));
    if (type === 'eXIf' && size <= MAX_EXIF_BYTES) orientation = await exifOrientation(await reader.read(at + 8, size));
    at += 12 + size;
  }
  return { width, height, frames, ...(orientation ? { orientation } : {}) };
}

/** image-size on a header prefix, its errors turned into HeaderErrors. */
function sizeOf(prefix: Buffer, label: string): { width: number; height: number } {
  let result: { width?: number; height?: number };
  try {
    result = imageSize(prefix);
  } catch (error) {
    throw new HeaderError(`the ${label} header cannot be read (${(error as Error).message})`);
  }
  const { width, height } = result;
  if (!width || !height || width < 0 || height < 0) throw new HeaderError(`the ${label} header gives no size`);
  return { width, height };
}
