// Video and audio probing with MediaInfoLib compiled to WebAssembly (mediainfo.js): it reads the
// container through ranged reads of the ByteSource (headers, indexes, a few packets), never the
// whole file, and never decodes in JavaScript. The module is loaded once per process, lazily.
import mediaInfoFactory from 'mediainfo.js';
import type { MediaInfo, MediaInfoResult, Track } from 'mediainfo.js';
import { avFamily } from './formats.js';
import { HeaderError } from './reader.js';
import type { ByteSource, MediaKind } from './types.js';

export interface AvInfo {
  kind: Exclude<MediaKind, 'Image'>;
  mime: string;
  durationMs?: number;
  width: number | null;
  height: number | null;
  frames: number;
  technical: Record<string, string | number | boolean>;
}

let instance: Promise<MediaInfo<'object'>> | undefined;
let queue: Promise<unknown> = Promise.resolve();

function mediaInfo(): Promise<MediaInfo<'object'>> {
  instance ??= mediaInfoFactory({ format: 'object' }).catch((error: unknown) => {
    instance = undefined; // let a later call try again
    throw error;
  });
  return instance;
}

/** One analysis at a time per instance (MediaInfo refuses overlapping ones): calls queue up. */
function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task);
  queue = run.catch(() => undefined);
  return run;
}

/** Raw MediaInfo tracks for the content; read errors of the source are rethrown as they are. */
export async function analyze(source: ByteSource): Promise<MediaInfoResult> {
  return serialized(async () => {
    const mi = await mediaInfo();
    let readError: unknown;
    try {
      return await mi.analyzeData(source.size, async (size, offset) => {
        try {
          return await source.read(offset, size);
        } catch (error) {
          readError ??= error;
          throw error;
        }
      });
    } catch (error) {
      if (readError !== undefined) throw readError;
      throw new HeaderError(`the media container cannot be parsed (${(error as Error).message})`);
    }
  });
}

/** Duration, streams and codecs of a video or audio file whose sniffed type is `sniffedMime`. */
export async function probeAv(source: ByteSource, sniffedMime: string): Promise<AvInfo> {
  const result = await analyze(source);
  const tracks = result.media?.track ?? [];
  const general = tracks.find((t) => t['@type'] === 'General');
  const video = tracks.find((t) => t['@type'] === 'Video');
  const audio = tracks.find((t) => t['@type'] === 'Audio');
  if (!video && !audio) throw new HeaderError('no video or audio stream could be read from it');

  const kind = video ? 'Video' : 'Audio';
  let seconds = positive(num(general, 'Duration')) ?? positive(num(video, 'Duration')) ?? positive(num(audio, 'Duration'));
  // MediaInfo gives raw AAC (ADTS) no duration unless it read every frame: estimate it.
  if (seconds === undefined && str(general, 'Format') === 'ADTS') seconds = await adtsSeconds(source);
  const mime = finalMime(sniffedMime, kind);
  const technical: AvInfo['technical'] = { file_mime_type: mime, file_size_bytes: source.size };
  const container = str(general, 'Format');
  if (container) technical.container_format = container;

  let width: number | null = null;
  let height: number | null = null;
  let frames = 0;
  if (video) {
    const rotation = Math.round(num(video, 'Rotation') ?? 0);
    const storedWidth = positive(num(video, 'Width'));
    const storedHeight = positive(num(video, 'Height'));
    // Like EXIF orientation for photos: a phone video stored sideways is shown upright.
    const turned = Math.abs(rotation) % 180 === 90;
    width = (turned ? storedHeight : storedWidth) ?? null;
    height = (turned ? storedWidth : storedHeight) ?? null;
    const fps = positive(num(video, 'FrameRate')) ?? positive(num(video, 'FrameRate_Nominal')) ?? positive(num(general, 'FrameRate'));
    const videoSeconds = positive(num(video, 'Duration')) ?? seconds;
    const counted = positive(num(video, 'FrameCount'));
    frames = counted ?? (fps && videoSeconds ? Math.round(fps * videoSeconds) : 0);
    set(technical, 'video_codec', codecName(video));
    set(technical, 'video_width', width);
    set(technical, 'video_height', height);
    set(technical, 'video_fps', fps && round(fps, 3));
    set(technical, 'video_duration_seconds', seconds && round(seconds, 3));
    set(technical, 'video_frame_count', frames || undefined);
    set(technical, 'video_bit_depth', positive(num(video, 'BitDepth')));
    set(technical, 'video_bitrate', positive(num(video, 'BitRate')) && Math.round(num(video, 'BitRate')!));
    set(technical, 'video_profile', str(video, 'Format_Profile'));
    if (rotation) technical.video_rotation = rotation;
  } else {
    set(technical, 'audio_duration_seconds', seconds && round(seconds, 3));
  }
  if (audio) {
    set(technical, 'audio_codec', codecName(audio));
    set(technical, 'audio_sample_rate', positive(num(audio, 'SamplingRate')));
    set(technical, 'audio_channels', positive(num(audio, 'Channels')));
    set(technical, 'audio_bitrate', positive(num(audio, 'BitRate')) && Math.round(num(audio, 'BitRate')!));
    set(technical, 'audio_bit_depth', positive(num(audio, 'BitDepth')));
  }
  return {
    kind,
    mime,
    ...(seconds !== undefined ? { durationMs: Math.round(seconds * 1000) } : {}),
    width,
    height,
    frames,
    technical,
  };
}

const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const ADTS_WINDOW = 256 * 1024;

/**
 * Duration of raw AAC from its frame headers: exact when the whole file fits the read window,
 * else the file size divided by the average frame size in the window (what ffprobe does too).
 */
async function adtsSeconds(source: ByteSource): Promise<number | undefined> {
  const window = await source.read(0, ADTS_WINDOW);
  let at = 0;
  if (window.toString('latin1', 0, 3) === 'ID3' && window.length >= 10) {
    at = 10 + ((window[6]! << 21) | (window[7]! << 14) | (window[8]! << 7) | window[9]!);
  }
  const start = at;
  let samples = 0;
  let rate = 0;
  while (at + 7 <= window.length && window[at] === 0xff && (window[at + 1]! & 0xf6) === 0xf0) {
    const length = ((window[at + 3]! & 0x03) << 11) | (window[at + 4]! << 3) | (window[at + 5]! >> 5);
    rate = ADTS_RATES[(window[at + 2]! >> 2) & 0x0f] ?? 0;
    if (length < 7 || rate === 0 || at + length > window.length) break;
    samples += 1024 * ((window[at + 6]! & 0x03) + 1);
    at += length;
  }
  if (samples === 0 || rate === 0) return undefined;
  const seconds = samples / rate;
  if (at >= source.size) return seconds;
  return (seconds * (source.size - start)) / (at - start);
}

/** The sniffed container type, corrected by what the streams revealed (an MP4 holding only audio). */
function finalMime(sniffed: string, kind: 'Video' | 'Audio'): string {
  switch (avFamily(sniffed)) {
    case 'isobmff':
      if (kind === 'Audio') return 'audio/mp4';
      return sniffed.startsWith('video/') ? sniffed : 'video/mp4';
    case 'matroska': {
      const webm = sniffed.endsWith('/webm');
      return kind === 'Video' ? (webm ? 'video/webm' : 'video/matroska') : webm ? 'audio/webm' : 'audio/matroska';
    }
    case 'ogg':
      return kind === 'Video' ? 'video/ogg' : sniffed.startsWith('audio/') ? sniffed : 'audio/ogg';
    default:
      return sniffed;
  }
}

/** MediaInfo format names → the short lower-case codec names people know from ffprobe. */
const CODEC_NAMES: Readonly<Record<string, string>> = {
  AVC: 'h264',
  HEVC: 'hevc',
  VVC: 'vvc',
  AV1: 'av1',
  VP8: 'vp8',
  VP9: 'vp9',
  'MPEG-4 Visual': 'mpeg4',
  ProRes: 'prores',
  JPEG: 'mjpeg',
  Theora: 'theora',
  'VC-1': 'vc1',
  FFV1: 'ffv1',
  DV: 'dvvideo',
  AAC: 'aac',
  Opus: 'opus',
  Vorbis: 'vorbis',
  FLAC: 'flac',
  ALAC: 'alac',
  'AC-3': 'ac3',
  'E-AC-3': 'eac3',
  DTS: 'dts',
  'AMR': 'amr',
  Speex: 'speex',
  WMA: 'wmav2',
};

function codecName(track: Track): string | undefined {
  const format = str(track, 'Format');
  if (!format) return undefined;
  if (format === 'MPEG Audio') {
    const layer = str(track, 'Format_Profile');
    return layer === 'Layer 2' ? 'mp2' : layer === 'Layer 1' ? 'mp1' : 'mp3';
  }
  if (format === 'MPEG Video') return str(track, 'Format_Version') === 'Version 1' ? 'mpeg1video' : 'mpeg2video';
  if (format === 'PCM') {
    const depth = num(track, 'BitDepth');
    const float = str(track, 'Format_Settings_Sign') === 'Float' || str(track, 'CodecID') === '3';
    const endian = str(track, 'Format_Settings_Endianness') === 'Big' ? 'be' : 'le';
    if (float) return `pcm_f${depth ?? 32}${endian}`;
    if (depth === 8) return 'pcm_u8';
    return `pcm_s${depth ?? 16}${endian}`;
  }
  return CODEC_NAMES[format] ?? format.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

function num(track: Track | undefined, key: string): number | undefined {
  const value = (track as Record<string, unknown> | undefined)?.[key];
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number.parseFloat(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function str(track: Track | undefined, key: string): string | undefined {
  const value = (track as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

function round(n: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(n * scale) / scale;
}

function set(target: AvInfo['technical'], key: string, value: string | number | null | undefined): void {
  if (value !== undefined && value !== null && value !== 0 && value !== '') target[key] = value;
}
