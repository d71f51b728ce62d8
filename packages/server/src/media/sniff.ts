// What a file really is, from its first bytes (never from its name or the client's claim).
import { fileTypeFromBuffer } from 'file-type';
import { IMAGE_FORMATS, type ImageFormat } from './formats.js';
import type { CachedReader } from './reader.js';

/** `label` names the content for people, with its article: "a PNG image", "an MP4 video". */
export type Sniffed =
  | { kind: 'image'; format: ImageFormat; mime: string; label: string }
  /** A video or audio container; whether it holds video is known only after probing. */
  | { kind: 'av'; mime: string; label: string }
  /** Recognised but not something we take (a PDF, a JPEG XL image), or not recognised at all. */
  | { kind: 'other'; mime?: string; label: string };

/** Enough for every signature file-type knows and for the ftyp box of ISO media files. */
const PREFIX_BYTES = 64 * 1024;

const IMAGE_BY_EXT: Readonly<Record<string, ImageFormat>> = {
  jpg: 'jpeg',
  png: 'png',
  apng: 'png',
  tif: 'tiff',
  bmp: 'bmp',
  webp: 'webp',
  gif: 'gif',
  jp2: 'jp2',
  j2c: 'j2k',
};

export async function sniff(reader: CachedReader): Promise<Sniffed> {
  const prefix = await reader.read(0, PREFIX_BYTES);
  const brands = readFtypBrands(prefix);
  if (brands) {
    const format = imageFormatFromBrands(brands.major, brands.compatible);
    if (format) return image(format);
  }
  const found = await fileTypeFromBuffer(prefix);
  if (!found) {
    // file-type looks into a TIFF's first directory to tell camera raw formats apart, and gives up
    // when that directory lies beyond the prefix (libtiff writes it after the pixels).
    if (isTiffSignature(prefix)) return image('tiff');
    return { kind: 'other', label: 'of no recognised type' };
  }
  const format = IMAGE_BY_EXT[found.ext];
  if (format) return image(format);
  const top = found.mime.split('/', 1)[0];
  if (top === 'video' || top === 'audio' || found.mime === 'application/ogg') {
    const label = AV_LABELS[found.ext] ?? `${acronym(found.ext)} ${top === 'audio' ? 'audio file' : 'video'}`;
    return { kind: 'av', mime: found.mime, label };
  }
  return { kind: 'other', mime: found.mime, label: `${acronym(found.ext)} ${top === 'image' ? 'image' : 'file'} (${found.mime})` };
}

function image(format: ImageFormat): Sniffed {
  const { mime, label } = IMAGE_FORMATS[format];
  return { kind: 'image', format, mime, label: `${format === 'avif' ? 'an' : 'a'} ${label} image` };
}

const AV_LABELS: Readonly<Record<string, string>> = {
  mp4: 'an MP4 video',
  mov: 'a QuickTime (MOV) video',
  m4v: 'an M4V video',
  m4a: 'an M4A audio file',
  webm: 'a WebM video',
  mkv: 'a Matroska (MKV) video',
  mp3: 'an MP3 audio file',
  wav: 'a WAV audio file',
  flac: 'a FLAC audio file',
  aac: 'an AAC audio file',
  ogg: 'an Ogg audio file',
  opus: 'an Opus audio file',
  ogv: 'an Ogg video',
  avi: 'an AVI video',
};

/** "a PDF", "an EXE": extensions read letter by letter. */
function acronym(ext: string): string {
  const upper = ext.toUpperCase();
  return `${/^[AEFHILMNORSX]/.test(upper) ? 'an' : 'a'} ${upper}`;
}

function isTiffSignature(prefix: Buffer): boolean {
  const head = prefix.toString('latin1', 0, 4);
  return head === 'II*\0' || head === 'MM\0*' || head === 'II+\0' || head === 'MM\0+';
}

/** The major and compatible brands of a leading `ftyp` box (ISO base media: MP4, MOV, HEIF, AVIF). */
export function readFtypBrands(prefix: Buffer): { major: string; compatible: string[] } | undefined {
  if (prefix.length < 16 || prefix.toString('latin1', 4, 8) !== 'ftyp') return undefined;
  const size = Math.min(prefix.readUInt32BE(0), prefix.length);
  if (size < 16) return undefined;
  const compatible: string[] = [];
  for (let at = 16; at + 4 <= size; at += 4) compatible.push(prefix.toString('latin1', at, at + 4));
  return { major: prefix.toString('latin1', 8, 12), compatible };
}

const HEVC_BRANDS = ['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs'];
const AV1_BRANDS = ['avif', 'avis'];
const HEIF_BRANDS = ['mif1', 'msf1', 'mif2', 'miaf'];

/**
 * HEIF-family image files by brand (ISO/IEC 23008-12 Annex C; AVIF): AV1-coded → AVIF,
 * HEVC-coded → HEIC, other HEIF structure → HEIF. The major brand wins; a generic major brand
 * (mif1, msf1) defers to the compatible list. Plain MP4/MOV brands are video, not images.
 */
export function imageFormatFromBrands(major: string, compatible: readonly string[]): ImageFormat | undefined {
  if (AV1_BRANDS.includes(major)) return 'avif';
  if (HEVC_BRANDS.includes(major)) return 'heic';
  const has = (list: readonly string[]) => compatible.some((brand) => list.includes(brand));
  if (HEIF_BRANDS.includes(major)) {
    if (has(AV1_BRANDS) && !has(HEVC_BRANDS)) return 'avif';
    return 'heif';
  }
  // A video brand first (isom, mp42, qt) with image brands listed only as compatible is a video.
  return undefined;
}
