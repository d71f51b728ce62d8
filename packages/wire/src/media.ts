// Media facts shared by the SDK and the server.

/**
 * Image file extensions (lower case) and the MIME type the Vi SDK declares for each
 * (vi-protocol.md §5.1). A folder upload takes only files with these extensions.
 */
export const IMAGE_EXTENSIONS: Readonly<Record<string, string>> = {
  '.avif': 'image/avif',
  '.bmp': 'image/bmp',
  '.gif': 'image/gif',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.jfif': 'image/jpeg',
  '.jp2': 'image/jp2',
  '.j2k': 'image/jp2',
  '.png': 'image/png',
  '.tiff': 'image/tiff',
  '.tif': 'image/tiff',
  '.webp': 'image/webp',
};

/** The MIME type for a file name by its extension, or undefined when it is not an image we take. */
export function imageMimeForFilename(filename: string): string | undefined {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? undefined : IMAGE_EXTENSIONS[filename.slice(dot).toLowerCase()];
}

/**
 * Whether `name` can be an asset's filename: a plain name of one file — no directory separators
 * ("/" or "\"), no control characters, not "." or "..". Servers refuse a session that announces
 * another; clients check it before they announce files.
 */
export function isPlainFilename(name: string): boolean {
  return name !== '.' && name !== '..' && !/[/\\\u0000-\u001f\u007f]/.test(name);
}
