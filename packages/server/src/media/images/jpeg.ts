// JPEG dimensions by walking marker segments to the frame header (SOFn), skipping each segment by
// its length: a few bytes per segment are read however large the EXIF, ICC or XMP blocks are.
// The EXIF orientation comes from the APP1 block's first directory.
import { HeaderError, type CachedReader } from '../reader.js';
import { exifOrientation } from './tiff.js';

export interface JpegInfo {
  width: number;
  height: number;
  orientation?: number;
  progressive: boolean;
}

const MAX_SEGMENTS = 10_000;

export async function readJpeg(reader: CachedReader): Promise<JpegInfo> {
  const soi = await reader.readExact(0, 2, 'JPEG header');
  if (soi[0] !== 0xff || soi[1] !== 0xd8) throw new HeaderError('the JPEG start marker is missing');
  let at = 2;
  let orientation: number | undefined;
  for (let segments = 0; segments < MAX_SEGMENTS; segments++) {
    const head = await reader.readExact(at, 4, 'JPEG headers');
    if (head[0] !== 0xff) throw new HeaderError('a JPEG marker is missing where one should be');
    const marker = head[1]!;
    if (marker === 0xff) {
      at += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) throw new HeaderError('the JPEG has no frame header before its image data');
    const length = head.readUInt16BE(2);
    if (length < 2) throw new HeaderError('a JPEG segment has an impossible length');
    if (isStartOfFrame(marker)) {
      const frame = await reader.readExact(at + 4, 6, 'JPEG frame header');
      const height = frame.readUInt16BE(1);
      const width = frame.readUInt16BE(3);
      if (width === 0 || height === 0) throw new HeaderError('the JPEG frame header gives no size');
      return { width, height, orientation, progressive: marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce };
    }
    if (marker === 0xe1 && orientation === undefined && length > 14) {
      const block = await reader.read(at + 4, length - 2);
      if (block.toString('latin1', 0, 4) === 'Exif') orientation = await exifOrientation(block);
    }
    at += 2 + length;
  }
  throw new HeaderError('the JPEG has too many segments before its frame header');
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}
