// Thumbnails: a WebP fitting inside size × size, never enlarged, EXIF orientation applied, the
// first frame of animations — with sharp (libvips). Formats the bundled libvips cannot decode
// (HEVC-coded HEIF, JPEG 2000, BMP) are decoded to raw pixels by WebAssembly or JavaScript decoders
// first. Video, audio and damaged images get none: callers show a placeholder.
import { readFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { decodeRaw, RAW_DECODED_FORMATS } from './decoders.js';
import type { ImageFormat } from './formats.js';
import { readImageHeader } from './images/index.js';
import { children, find } from './images/isobmff.js';
import { CachedReader, HeaderError } from './reader.js';
import { sniff } from './sniff.js';
import type { ByteSource } from './types.js';

export interface ThumbnailOptions {
  /** The box the thumbnail fits in, in pixels (default 256). */
  size?: number;
  /** Inputs with more pixels are not decoded (default: sharp's 268,402,689 = 16383²). */
  maxPixels?: number;
  /** WebP quality 1–100 (default 80). */
  quality?: number;
}

// Every thumbnail reads a different file: libvips' operation cache would only hold memory.
sharp.cache(false);

const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

/** Formats the installed libvips decodes (the prebuilt one has no HEVC, OpenJPEG or BMP loader). */
const LIBVIPS_FORMATS: ReadonlySet<ImageFormat> = new Set(libvipsFormats());

/** Formats that get thumbnails. */
export const THUMBNAIL_FORMATS: ReadonlySet<ImageFormat> = new Set([...LIBVIPS_FORMATS, ...RAW_DECODED_FORMATS]);

function libvipsFormats(): ImageFormat[] {
  const can = (name: string, suffix?: string) => {
    const input = (sharp.format as unknown as Record<string, { input?: { buffer?: boolean; fileSuffix?: string[] } } | undefined>)[name]?.input;
    return !!input?.buffer && (suffix === undefined || (input.fileSuffix ?? []).includes(suffix));
  };
  const formats: ImageFormat[] = [];
  if (can('jpeg')) formats.push('jpeg');
  if (can('png')) formats.push('png');
  if (can('webp')) formats.push('webp');
  if (can('gif')) formats.push('gif');
  if (can('tiff')) formats.push('tiff');
  if (can('heif', '.avif')) formats.push('avif');
  if (can('heif', '.heic')) formats.push('heic', 'heif');
  if (can('jp2')) formats.push('jp2', 'j2k');
  if (can('magick')) formats.push('bmp');
  return formats;
}

/**
 * A WebP thumbnail of an image, or undefined when the content is not an image this server can
 * decode (or is damaged). Never throws for bad content; read errors of the source do throw.
 */
export async function makeThumbnail(source: ByteSource, options: ThumbnailOptions = {}): Promise<Buffer | undefined> {
  const { size = 256, maxPixels = DEFAULT_MAX_PIXELS, quality = 80 } = options;
  if (source.size === 0) return undefined;
  // Sniff first: sharp would buffer a whole video before saying it cannot read it.
  const reader = new CachedReader(source);
  const sniffed = await sniff(reader);
  if (sniffed.kind !== 'image' || !THUMBNAIL_FORMATS.has(sniffed.format)) return undefined;
  if (!LIBVIPS_FORMATS.has(sniffed.format)) return viaRawDecoder(source, reader, sniffed.format, { size, maxPixels, quality });
  let input: string | Buffer = source.localPath ?? (await buffer(source.stream()));
  if (sniffed.format === 'avif' && (await source.read(8, 4)).toString('latin1') === 'avis') {
    // libvips recognises HEIF files by their major brand and does not list the sequence brand;
    // under the still brand libheif decodes the sequence's primary image, its first frame.
    const bytes: Buffer = typeof input === 'string' ? await readFile(input) : Buffer.from(input);
    bytes.write('avif', 8, 'latin1');
    input = bytes;
  }
  try {
    return await sharp(input, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true })
      .autoOrient()
      .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
      .webp({ quality })
      .toBuffer();
  } catch {
    // Damaged pixels, a decoder refusal, too many pixels: no thumbnail, the caller decides.
    return undefined;
  }
}

/** The formats libvips lacks: decoded to raw pixels (after a pixel check on the header), then resized. */
async function viaRawDecoder(source: ByteSource, reader: CachedReader, format: ImageFormat, options: Required<ThumbnailOptions>): Promise<Buffer | undefined> {
  // These decoders hold the whole picture in memory: refuse bombs before decoding.
  let pixels: number;
  try {
    const header = await readImageHeader(reader, format);
    pixels = header.width * header.height;
  } catch (error) {
    if (error instanceof HeaderError) return undefined;
    throw error;
  }
  if (pixels > options.maxPixels) return undefined;
  // libheif decodes image items (the meta box); a pure image sequence has none.
  if ((format === 'heic' || format === 'heif') && !find(await children(reader, 0, reader.size), 'meta')) return undefined;
  const bytes = source.localPath ? await readFile(source.localPath) : await buffer(source.stream());
  try {
    const raw = await decodeRaw(format, bytes);
    return await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels }, limitInputPixels: options.maxPixels })
      .resize({ width: options.size, height: options.size, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: options.quality })
      .toBuffer();
  } catch {
    return undefined;
  }
}
