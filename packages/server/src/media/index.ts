// The media module: sniffing, header inspection (images) and probing (video, audio), thumbnails.
// It knows nothing of HTTP or the database; callers hand it a ByteSource.
export type { ByteSource, InspectOptions, InspectResult, MediaInfo, MediaKind, MediaRejection } from './types.js';
export { inspect } from './inspect.js';
export { makeThumbnail, THUMBNAIL_FORMATS, type ThumbnailOptions } from './thumbnail.js';
export { openFileSource, bufferSource, type FileSource } from './sources.js';
export { IMAGE_FORMATS, normalizeMime, declaredMatches, type ImageFormat } from './formats.js';
