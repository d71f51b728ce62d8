// The contract of the media module: what ingestion (Vi protocol), the TwelveLabs surface and
// thumbnails need to know about a file, read from its headers without decoding pixels.

export type MediaKind = 'Image' | 'Video' | 'Audio';

/**
 * Random access to stored bytes. Works the same on a staged local file and (later) an object in
 * S3 via ranged GETs, so nothing after the upload depends on the live request stream.
 */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer only at the end). */
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * The content as a stream (for thumbnails and copies): all of it, or the bytes from `start`
   * through `end` inclusive (the convention of HTTP Range and fs.createReadStream).
   */
  stream(start?: number, end?: number): NodeJS.ReadableStream;
  /**
   * The path of a local file holding exactly these bytes, when there is one. Decoders that can
   * read a file directly (sharp) use it instead of buffering the stream.
   */
  readonly localPath?: string;
}

export interface MediaInfo {
  kind: MediaKind;
  /** The sniffed MIME type (e.g. image/jpeg), never the client's claim. */
  mime: string;
  /** Pixels; null for audio. */
  width: number | null;
  height: number | null;
  /**
   * 1 for stills; the frame count of animations, image sequences and multi-page TIFFs; the frame
   * count of videos (counted by the container, or duration × frame rate); 0 for audio and for
   * videos whose frame count cannot be told.
   */
  frames: number;
  /** Video and audio only. */
  durationMs?: number;
  /**
   * Technical details for video/audio (and images where known), in TwelveLabs'
   * `technical_metadata` vocabulary: video_codec, video_width, video_height, video_fps,
   * video_duration_seconds, audio_codec, audio_sample_rate, audio_channels, image_format, …
   */
  technical?: Record<string, string | number | boolean>;
}

/** Why a file was refused, as a Vi ingestion error code and a sentence for people. */
export interface MediaRejection {
  code: 'EBADMIME' | 'ECORRUPT' | 'EBADSIZE';
  message: string;
}

export type InspectResult = { ok: true; info: MediaInfo } | { ok: false; rejection: MediaRejection };

export interface InspectOptions {
  /** Kinds the caller accepts: the Vi protocol takes images only; TwelveLabs takes all three. */
  accept: readonly MediaKind[];
  /** The MIME type the client declared; content that contradicts it is EBADMIME. */
  declaredMime?: string;
  /** Images with more pixels than this are EBADSIZE (decompression bombs). */
  maxPixels: number;
}
