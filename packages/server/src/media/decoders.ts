// Decoders for the formats the bundled libvips cannot read, for thumbnails only: HEVC-coded HEIF
// (libheif in WebAssembly, via heic-decode), JPEG 2000 (OpenJPEG in WebAssembly) and BMP (bmp-ts).
// Each gives raw pixels for sharp to resize. They are loaded on first use: most servers never
// see these formats, and libheif alone is megabytes of code.
import { createRequire } from 'node:module';
import type { ImageFormat } from './formats.js';
import { children, find } from './images/isobmff.js';
import { CachedReader } from './reader.js';
import { bufferSource } from './sources.js';

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

const require = createRequire(import.meta.url);

export const RAW_DECODED_FORMATS: ReadonlySet<ImageFormat> = new Set(['heic', 'heif', 'jp2', 'j2k', 'bmp']);

/** Pixels of an image in one of RAW_DECODED_FORMATS; throws when the content cannot be decoded. */
export async function decodeRaw(format: ImageFormat, bytes: Buffer): Promise<RawImage> {
  switch (format) {
    case 'heic':
    case 'heif':
      return decodeHeif(bytes);
    case 'jp2':
      return decodeJ2k(await codestreamOfJp2(bytes));
    case 'j2k':
      return decodeJ2k(bytes);
    case 'bmp':
      return decodeBmp(bytes);
    default:
      throw new Error(`no raw decoder for ${format}`);
  }
}

type HeicDecode = (input: { buffer: Uint8Array }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;

async function decodeHeif(bytes: Buffer): Promise<RawImage> {
  const decode = require('heic-decode') as HeicDecode;
  // libheif applies the item's rotation, mirroring and crop: the result is the upright picture.
  const { width, height, data } = await decode({ buffer: bytes });
  return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width, height, channels: 4 };
}

interface J2KDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}
type OpenJpegModule = { J2KDecoder: new () => J2KDecoder };

let openjpeg: Promise<OpenJpegModule> | undefined;

function openJpeg(): Promise<OpenJpegModule> {
  const factory = require('@cornerstonejs/codec-openjpeg/decodewasmjs') as (options: object) => Promise<OpenJpegModule>;
  // OpenJPEG reports progress on standard output: silence it.
  openjpeg ??= factory({ print: () => {}, printErr: () => {} }).catch((error: unknown) => {
    openjpeg = undefined;
    throw error;
  });
  return openjpeg;
}

async function decodeJ2k(codestream: Buffer): Promise<RawImage> {
  const module = await openJpeg();
  const decoder = new module.J2KDecoder();
  try {
    decoder.getEncodedBuffer(codestream.length).set(codestream);
    decoder.decode();
    const { width, height, bitsPerSample, componentCount, isSigned } = decoder.getFrameInfo();
    if (componentCount < 1 || componentCount > 4) throw new Error(`${componentCount} components`);
    const decoded = decoder.getDecodedBuffer();
    return { data: to8Bit(decoded, bitsPerSample, isSigned), width, height, channels: componentCount as RawImage['channels'] };
  } finally {
    decoder.delete();
  }
}

/** Samples wider than 8 bits (16-bit medical and satellite imagery) scaled down to 8 bits. */
function to8Bit(decoded: Uint8Array, bits: number, signed: boolean): Buffer {
  if (bits <= 8) return Buffer.from(decoded);
  const samples = signed
    ? new Int16Array(decoded.buffer, decoded.byteOffset, decoded.byteLength / 2)
    : new Uint16Array(decoded.buffer, decoded.byteOffset, decoded.byteLength / 2);
  const out = Buffer.alloc(samples.length);
  const shift = bits - 8;
  const offset = signed ? 1 << (bits - 1) : 0;
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(0, Math.min(255, (samples[i]! + offset) >> shift));
  return out;
}

/** The codestream inside a JP2 file: the contents of its `jp2c` box. */
async function codestreamOfJp2(bytes: Buffer): Promise<Buffer> {
  const boxes = await children(new CachedReader(bufferSource(bytes)), 0, bytes.length);
  const jp2c = find(boxes, 'jp2c');
  if (!jp2c) throw new Error('no codestream box');
  return bytes.subarray(jp2c.start, jp2c.end);
}

async function decodeBmp(bytes: Buffer): Promise<RawImage> {
  const { decode } = await import('bmp-ts');
  const { data, width, height } = decode(bytes, { toRGBA: true });
  // BMP's fourth byte is rarely a real alpha (zero in most 32-bit files, and zero here for the
  // others): keep colour only, or resizing would premultiply everything to black.
  const rgb = Buffer.alloc(width * height * 3);
  for (let from = 0, to = 0; to < rgb.length; from += 4, to += 3) {
    rgb[to] = data[from]!;
    rgb[to + 1] = data[from + 1]!;
    rgb[to + 2] = data[from + 2]!;
  }
  return { data: rgb, width, height, channels: 3 };
}
