/**
 * Media files for tests, with the facts inspection must find in them.
 *
 * - `writeImage(dir, format, { width, height, frames?, name?, orientation? })` generates JPEG, PNG,
 *   TIFF, BMP, WebP, AVIF or GIF (animated WebP/GIF, multi-page TIFF with `frames` > 1) with sharp, or byte by byte
 *   (BMP). `writeAllNineFormats(dir)` gives one 64 × 48 file per Vi format family, 11 files:
 *   .jpg .png .tiff .bmp .webp .gif .heic .heif .avif .jp2 .j2k (the HEIF and JPEG 2000 ones are
 *   copies of committed fixtures, since no npm package writes them).
 * - `COMMITTED_MEDIA` / `committedMedia(name)`: the committed files under
 *   test/fixtures/media (HEIF, JPEG 2000, sequences, video, audio) with their expected facts.
 * - Refusals: `corruptCopy(file, dir)` (signature kept, header cut off → ECORRUPT),
 *   `decompressionBomb(dir)` (a tiny PNG declaring 100000 × 100000 → EBADSIZE),
 *   `mislabeledFile(dir)` (PNG bytes named photo.jpg → EBADMIME), `notMedia(dir)` (text named .jpg).
 * - `writeLargeImage(dir, format, minBytes)`: a big file for "reads only the headers" checks.
 *
 * Every function writes into `dir` (use a temp dir) and returns the path with the facts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { imageMimeForFilename } from '@vireo/wire';

export type GeneratedFormat = 'jpeg' | 'png' | 'tiff' | 'bmp' | 'webp' | 'avif' | 'gif';

export interface MediaFixture {
  path: string;
  /** The file's name (what an upload would send). */
  filename: string;
  /** The MIME type inspection reports. */
  mime: string;
  /** What the Vi SDK declares for the file name (its extension map). */
  declaredMime: string | undefined;
  kind: 'Image' | 'Video' | 'Audio';
  /** `technical.image_format` for images. */
  format?: string;
  width: number | null;
  height: number | null;
  frames: number;
}

export const MEDIA_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/media/', import.meta.url));

const EXTENSION: Readonly<Record<GeneratedFormat, string>> = {
  jpeg: '.jpg',
  png: '.png',
  tiff: '.tiff',
  bmp: '.bmp',
  webp: '.webp',
  avif: '.avif',
  gif: '.gif',
};

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c'];

export interface WriteImageOptions {
  width: number;
  height: number;
  /** File name in `dir` (default `image-<width>x<height>.<ext>`). */
  name?: string;
  /** Frames of an animated WebP or GIF, or pages of a TIFF (default 1). */
  frames?: number;
  /** EXIF orientation 1–8 written into a JPEG, TIFF, WebP or PNG (pixels stay as stored). */
  orientation?: number;
}

/** Generates an image of the given size (a colour pattern, different on every frame). */
export async function writeImage(dir: string, format: GeneratedFormat, options: WriteImageOptions): Promise<MediaFixture> {
  const { width, height, frames = 1, orientation } = options;
  const filename = options.name ?? `image-${width}x${height}${frames > 1 ? `-${frames}f` : ''}${EXTENSION[format]}`;
  const file = path.join(dir, filename);
  if (frames > 1 && format !== 'webp' && format !== 'gif' && format !== 'tiff') throw new Error(`writeImage: ${format} cannot have frames here`);
  if (format === 'bmp') {
    await fs.writeFile(file, bmp(width, height));
  } else {
    const pictures = await Promise.all(Array.from({ length: frames }, (_, i) => pattern(width, height, i)));
    let image = frames > 1 ? sharp(pictures, { join: { animated: true } }) : sharp(pictures[0]);
    if (orientation) image = image.withMetadata({ orientation });
    const encoded =
      format === 'jpeg' ? image.jpeg({ quality: 80 })
      : format === 'png' ? image.png()
      : format === 'tiff' ? image.tiff({ compression: 'lzw' })
      : format === 'webp' ? image.webp({ quality: 80, loop: 0 })
      : format === 'avif' ? image.avif({ quality: 50, effort: 0 })
      : image.gif({ loop: 0 });
    await encoded.toFile(file);
  }
  const turned = orientation !== undefined && orientation >= 5;
  return {
    path: file,
    filename,
    mime: `image/${format}`,
    declaredMime: imageMimeForFilename(filename),
    kind: 'Image',
    format,
    width: turned ? height : width,
    height: turned ? width : height,
    frames,
  };
}

/** A PNG of `width` × `height`: colour bands that differ per `index`, so frames never repeat. */
function pattern(width: number, height: number, index: number): Promise<Buffer> {
  const band = Math.max(1, Math.ceil(width / 4));
  const svgBands = [0, 1, 2, 3]
    .map((b) => `<rect x="${b * band}" y="0" width="${band}" height="${height}" fill="${PALETTE[(b + index) % PALETTE.length]}"/>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svgBands}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** An uncompressed 24-bit bottom-up BMP (BITMAPINFOHEADER), written byte by byte. */
function bmp(width: number, height: number): Buffer {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const pixelBytes = rowBytes * height;
  const file = Buffer.alloc(54 + pixelBytes);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  file.writeUInt32LE(pixelBytes, 34);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = 54 + y * rowBytes + x * 3;
      file[at] = (x * 255) / Math.max(1, width - 1); // blue ramp
      file[at + 1] = (y * 255) / Math.max(1, height - 1); // green ramp
      file[at + 2] = 128;
    }
  }
  return file;
}

/** The committed fixtures and what inspection must find in them (see fixtures/media/README.md). */
export const COMMITTED_MEDIA = {
  'image.heic': { kind: 'Image', mime: 'image/heic', format: 'heic', width: 64, height: 48, frames: 1 },
  'image.heif': { kind: 'Image', mime: 'image/heif', format: 'heif', width: 64, height: 48, frames: 1 },
  'image.jp2': { kind: 'Image', mime: 'image/jp2', format: 'jp2', width: 64, height: 48, frames: 1 },
  'image.j2k': { kind: 'Image', mime: 'image/jp2', format: 'j2k', width: 64, height: 48, frames: 1 },
  'sequence.avif': { kind: 'Image', mime: 'image/avif', format: 'avif', width: 64, height: 48, frames: 10 },
  'sequence.heif': { kind: 'Image', mime: 'image/heif', format: 'heif', width: 64, height: 48, frames: 10 },
  'video.mp4': { kind: 'Video', mime: 'video/mp4', width: 64, height: 48, frames: 10 },
  'video.mov': { kind: 'Video', mime: 'video/quicktime', width: 64, height: 48, frames: 10 },
  'video.webm': { kind: 'Video', mime: 'video/webm', width: 64, height: 48, frames: 10 },
  'video.mkv': { kind: 'Video', mime: 'video/matroska', width: 64, height: 48, frames: 10 },
  'audio.mp3': { kind: 'Audio', mime: 'audio/mpeg', width: null, height: null, frames: 0 },
  'audio.wav': { kind: 'Audio', mime: 'audio/wav', width: null, height: null, frames: 0 },
  'audio.flac': { kind: 'Audio', mime: 'audio/flac', width: null, height: null, frames: 0 },
  'audio.aac': { kind: 'Audio', mime: 'audio/aac', width: null, height: null, frames: 0 },
  'audio.ogg': { kind: 'Audio', mime: 'audio/ogg', width: null, height: null, frames: 0 },
  'audio.m4a': { kind: 'Audio', mime: 'audio/mp4', width: null, height: null, frames: 0 },
} as const satisfies Record<string, Omit<MediaFixture, 'path' | 'filename' | 'declaredMime'>>;

export type CommittedName = keyof typeof COMMITTED_MEDIA;

/** A committed fixture with its facts (read it in place; copy it to change it). */
export function committedMedia(name: CommittedName): MediaFixture {
  const facts: Omit<MediaFixture, 'path' | 'filename' | 'declaredMime'> = COMMITTED_MEDIA[name];
  return { ...facts, path: path.join(MEDIA_FIXTURES_DIR, name), filename: name, declaredMime: imageMimeForFilename(name) };
}

/** One 64 × 48 file per Vi format family: the seven generated ones plus the committed HEIF and JPEG 2000. */
export async function writeAllNineFormats(dir: string): Promise<MediaFixture[]> {
  const size = { width: 64, height: 48 };
  const generated = await Promise.all(
    (['jpeg', 'png', 'tiff', 'bmp', 'webp', 'gif', 'avif'] as const).map((format) => writeImage(dir, format, { ...size, name: `all-${format}${EXTENSION[format]}` })),
  );
  const copied = await Promise.all(
    (['image.heic', 'image.heif', 'image.jp2', 'image.j2k'] as const).map(async (name) => {
      const fixture = committedMedia(name);
      const target = path.join(dir, `all-${name.replace('image.', '')}${path.extname(name)}`);
      await fs.copyFile(fixture.path, target);
      return { ...fixture, path: target, filename: path.basename(target) };
    }),
  );
  return [...generated, ...copied];
}

/** Where to cut each format so its signature survives but its header does not. */
const CUT_AT: Readonly<Record<string, number>> = {
  jpeg: 12, // inside the APP0 segment
  png: 20, // inside IHDR
  gif: 10, // inside the screen descriptor
  tiff: 8, // header only: the directory offset points past the end
  bmp: 16, // inside the info header
  webp: 16, // inside the first chunk header
  jp2: 40, // inside the header box
  j2k: 12, // inside the SIZ marker segment
};

/**
 * A damaged copy of an image: its signature is intact (so it is still recognised) but its header
 * is cut off, as a truncated upload would be. Inspection must say ECORRUPT.
 */
export async function corruptCopy(file: MediaFixture, dir: string, name?: string): Promise<MediaFixture> {
  const bytes = await fs.readFile(file.path);
  const format = file.format ?? '';
  // HEIF-family files: keep the ftyp box and the start of the next box, whose size now overruns.
  const cut = CUT_AT[format] ?? (['heic', 'heif', 'avif'].includes(format) ? bytes.readUInt32BE(0) + 12 : undefined);
  if (cut === undefined) throw new Error(`corruptCopy: no recipe for ${format || file.mime}`);
  const target = path.join(dir, name ?? `corrupt-${file.filename}`);
  await fs.writeFile(target, bytes.subarray(0, cut));
  return { ...file, path: target, filename: path.basename(target) };
}

/** A PNG of a few dozen bytes that declares `width` × `height` (default 100000 × 100000). */
export async function decompressionBomb(dir: string, { width = 100_000, height = 100_000 } = {}): Promise<MediaFixture> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  // A valid zlib stream of a few zero bytes: a plausible start of the image data.
  const idat = zlib.deflateSync(Buffer.alloc(1024));
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
  const filename = `bomb-${width}x${height}.png`;
  const file = path.join(dir, filename);
  await fs.writeFile(file, png);
  return { path: file, filename, mime: 'image/png', declaredMime: 'image/png', kind: 'Image', format: 'png', width, height, frames: 1 };
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** PNG bytes named photo.jpg: the Vi SDK declares image/jpeg for it, the content says image/png. */
export async function mislabeledFile(dir: string): Promise<MediaFixture & { actualMime: string }> {
  const png = await writeImage(dir, 'png', { width: 32, height: 24, name: 'photo.jpg' });
  return { ...png, declaredMime: 'image/jpeg', actualMime: 'image/png' };
}

/** Plain text named notes.jpg: no image at all. */
export async function notMedia(dir: string): Promise<{ path: string; filename: string; declaredMime: string }> {
  const file = path.join(dir, 'notes.jpg');
  await fs.writeFile(file, 'These are notes, not a picture.\n'.repeat(20));
  return { path: file, filename: 'notes.jpg', declaredMime: 'image/jpeg' };
}

/**
 * An image of at least `minBytes`: uncompressed TIFF (its directory after the pixels, as libtiff
 * writes it), uncompressed PNG, raw BMP, or a JPEG with 1 MiB of metadata segments before its
 * frame header (deep headers) and the bulk as segments after it, where a real file's scan data is.
 */
export async function writeLargeImage(dir: string, format: 'tiff' | 'png' | 'bmp' | 'jpeg', minBytes: number): Promise<MediaFixture> {
  if (format === 'jpeg') {
    const small = await writeImage(dir, 'jpeg', { width: 640, height: 480, name: 'large-source.jpg' });
    const jpeg = await fs.readFile(small.path);
    await fs.rm(small.path);
    const afterFrame = frameHeaderEnd(jpeg);
    const before = commentSegments(1024 * 1024);
    const after = commentSegments(minBytes);
    const padded = Buffer.concat([jpeg.subarray(0, 2), before, jpeg.subarray(2, afterFrame), after, jpeg.subarray(afterFrame)]);
    const file = path.join(dir, 'large.jpg');
    await fs.writeFile(file, padded);
    return { ...small, path: file, filename: 'large.jpg' };
  }
  // Three bytes a pixel, 4:3.
  const height = Math.ceil(Math.sqrt(minBytes / 3 / (4 / 3)));
  const width = Math.ceil((height * 4) / 3);
  const filename = `large.${format}`;
  const file = path.join(dir, filename);
  if (format === 'bmp') {
    await fs.writeFile(file, bmp(width, height));
  } else {
    const image = sharp({ create: { width, height, channels: 3, background: '#6a8caf' } });
    await (format === 'tiff' ? image.tiff({ compression: 'none' }) : image.png({ compressionLevel: 0 })).toFile(file);
  }
  return { path: file, filename, mime: `image/${format}`, declaredMime: imageMimeForFilename(filename), kind: 'Image', format, width, height, frames: 1 };
}

/** JPEG comment (COM) segments, 64 KiB each, adding up to at least `bytes`. */
function commentSegments(bytes: number): Buffer {
  const segment = Buffer.alloc(2 + 65_535, 0x20);
  segment[0] = 0xff;
  segment[1] = 0xfe;
  segment.writeUInt16BE(65_535, 2);
  return Buffer.concat(Array.from({ length: Math.ceil(bytes / segment.length) }, () => segment));
}

/** Where the frame header (SOFn) segment of a JPEG ends. */
function frameHeaderEnd(jpeg: Buffer): number {
  let at = 2;
  while (at + 4 <= jpeg.length) {
    const marker = jpeg[at + 1]!;
    const length = jpeg.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return at + 2 + length;
    at += 2 + length;
  }
  throw new Error('frameHeaderEnd: no frame header');
}
