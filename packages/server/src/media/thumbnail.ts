// Thumbnails: a WebP fitting inside size × size, never enlarged, EXIF orientation applied, the
// first frame of animations — with sharp (libvips). Formats the bundled libvips cannot decode
// (HEVC-coded HEIC, JPEG 2000, BMP, video, audio) get none: callers show a placeholder.
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import type { ImageFormat } from './formats.js';
import { CachedReader } from './reader.js';
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
export const THUMBNAIL_FORMATS: ReadonlySet<ImageFormat> = new Set(decodableFormats());

function decodableFormats(): ImageFormat[] {
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
  const sniffed = await sniff(new CachedReader(source));
  if (sniffed.kind !== 'image' || !THUMBNAIL_FORMATS.has(sniffed.format)) return undefined;
  const input = source.localPath ?? (await buffer(source.stream()));
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
