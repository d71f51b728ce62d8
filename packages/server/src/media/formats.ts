// The formats Vireo takes, their canonical MIME types and names for people, and which declared
// MIME types (clients' claims) are compatible with which sniffed content.

export type ImageFormat = 'jpeg' | 'png' | 'tiff' | 'bmp' | 'webp' | 'gif' | 'heic' | 'heif' | 'avif' | 'jp2' | 'j2k';

/**
 * The image formats of the Vi SDK (its nine families). The MIME type is the one the SDK declares
 * for the extension, so a round trip keeps it: both JPEG 2000 forms are image/jp2 (a raw .j2k
 * codestream has no registered type of its own; `technical.image_format` tells them apart).
 */
export const IMAGE_FORMATS: Readonly<Record<ImageFormat, { mime: string; label: string }>> = {
  jpeg: { mime: 'image/jpeg', label: 'JPEG' },
  png: { mime: 'image/png', label: 'PNG' },
  tiff: { mime: 'image/tiff', label: 'TIFF' },
  bmp: { mime: 'image/bmp', label: 'BMP' },
  webp: { mime: 'image/webp', label: 'WebP' },
  gif: { mime: 'image/gif', label: 'GIF' },
  heic: { mime: 'image/heic', label: 'HEIC' },
  heif: { mime: 'image/heif', label: 'HEIF' },
  avif: { mime: 'image/avif', label: 'AVIF' },
  jp2: { mime: 'image/jp2', label: 'JPEG 2000' },
  j2k: { mime: 'image/jp2', label: 'JPEG 2000 codestream' },
};

export const ACCEPTED_IMAGE_NAMES = 'JPEG, PNG, TIFF, BMP, WebP, GIF, HEIF/HEIC, AVIF or JPEG 2000';

/** Declared MIME types (after aliasing) and the sniffed image formats each one allows. */
const DECLARED_IMAGE: Readonly<Record<string, readonly ImageFormat[]>> = {
  'image/jpeg': ['jpeg'],
  'image/png': ['png'],
  'image/tiff': ['tiff'],
  'image/bmp': ['bmp'],
  'image/webp': ['webp'],
  'image/gif': ['gif'],
  // HEIC is HEVC-coded HEIF: clients use the two names interchangeably. AVIF is HEIF too (AV1-coded),
  // so the generic image/heif does not contradict it, but image/heic (HEVC) does.
  'image/heic': ['heic', 'heif'],
  'image/heic-sequence': ['heic', 'heif'],
  'image/heif': ['heif', 'heic', 'avif'],
  'image/heif-sequence': ['heif', 'heic', 'avif'],
  'image/avif': ['avif'],
  'image/avif-sequence': ['avif'],
  'image/jp2': ['jp2', 'j2k'],
};

const MIME_ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/jfif': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/apng': 'image/png',
  'image/vnd.mozilla.apng': 'image/png',
  'image/tif': 'image/tiff',
  'image/x-tiff': 'image/tiff',
  'image/x-tif': 'image/tiff',
  'image/x-bmp': 'image/bmp',
  'image/x-ms-bmp': 'image/bmp',
  'image/x-windows-bmp': 'image/bmp',
  'image/ms-bmp': 'image/bmp',
  'image/x-webp': 'image/webp',
  'image/jpx': 'image/jp2',
  'image/j2k': 'image/jp2',
  'image/j2c': 'image/jp2',
  'image/jpeg2000': 'image/jp2',
  'image/x-jp2': 'image/jp2',
  'image/jpeg2000-image': 'image/jp2',
  'image/x-jpeg2000-image': 'image/jp2',
};

/**
 * Container families of video and audio: a declared type and the sniffed one agree when they name
 * the same family (a .mp4 holding only audio, a .mov declared video/mp4, audio/x-wav for WAV).
 */
const AV_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  isobmff: [
    'video/mp4', 'audio/mp4', 'application/mp4', 'video/quicktime', 'video/x-quicktime', 'video/x-m4v',
    'audio/x-m4a', 'audio/m4a', 'audio/x-m4b', 'video/3gpp', 'video/3gpp2', 'audio/3gpp', 'audio/3gpp2',
  ],
  matroska: ['video/webm', 'audio/webm', 'video/matroska', 'video/x-matroska', 'audio/matroska', 'audio/x-matroska', 'application/x-matroska'],
  ogg: ['audio/ogg', 'video/ogg', 'application/ogg', 'audio/opus', 'audio/vorbis', 'audio/x-ogg', 'video/x-ogg', 'audio/speex'],
  mpegaudio: ['audio/mpeg', 'audio/mp3', 'audio/mpeg3', 'audio/x-mp3', 'audio/x-mpeg', 'audio/x-mpeg-3', 'audio/mpa', 'audio/mpg'],
  wav: ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'audio/x-pn-wav'],
  flac: ['audio/flac', 'audio/x-flac'],
  adts: ['audio/aac', 'audio/x-aac', 'audio/aacp', 'audio/x-hx-aac-adts'],
  avi: ['video/x-msvideo', 'video/avi', 'video/msvideo', 'video/vnd.avi'],
  mpegps: ['video/mpeg', 'video/x-mpeg', 'video/mpg'],
  mpegts: ['video/mp2t', 'video/vnd.dlna.mpeg-tts'],
  flv: ['video/x-flv', 'video/flv'],
  asf: ['video/x-ms-asf', 'video/x-ms-wmv', 'audio/x-ms-wma', 'application/vnd.ms-asf'],
  aiff: ['audio/aiff', 'audio/x-aiff'],
  amr: ['audio/amr', 'audio/amr-wb'],
};

const FAMILY_OF_MIME = new Map<string, string>(
  Object.entries(AV_FAMILIES).flatMap(([family, mimes]) => mimes.map((mime) => [mime, family] as const)),
);

/** The container family of a video/audio MIME type, or undefined when we do not know it. */
export function avFamily(mime: string): string | undefined {
  return FAMILY_OF_MIME.get(normalizeMime(mime));
}

/** Declared types that make no claim about the content (generic uploads, unknown types). */
const NO_CLAIM = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/binary', 'application/unknown', 'application/x-unknown', 'unknown/unknown']);

/** Lower case, without parameters, with common aliases resolved (image/jpg → image/jpeg). */
export function normalizeMime(mime: string): string {
  const bare = mime.split(';', 1)[0]!.trim().toLowerCase();
  return MIME_ALIASES[bare] ?? bare;
}

export type SniffedForClaim = { kind: 'image'; format: ImageFormat } | { kind: 'av'; mime: string };

/**
 * Whether the client's declared MIME type is compatible with the sniffed content. `undefined`
 * and generic types (application/octet-stream) make no claim and are always compatible.
 */
export function declaredMatches(declared: string | undefined, sniffed: SniffedForClaim): boolean {
  if (declared === undefined) return true;
  const claim = normalizeMime(declared);
  if (NO_CLAIM.has(claim)) return true;
  // A wildcard such as image/* claims only the top-level type.
  if (claim.endsWith('/*')) {
    const top = claim.slice(0, -2);
    return sniffed.kind === 'image' ? top === 'image' : normalizeMime(sniffed.mime).startsWith(`${top}/`);
  }
  if (sniffed.kind === 'image') return DECLARED_IMAGE[claim]?.includes(sniffed.format) ?? false;
  const family = avFamily(claim);
  return family !== undefined ? family === avFamily(sniffed.mime) : claim === normalizeMime(sniffed.mime);
}
