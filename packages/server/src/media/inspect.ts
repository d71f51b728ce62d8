// inspect(): what a stored file is and what it holds, or why it is refused — from its headers,
// never by decoding pixels. Refusals carry the Vi ingestion codes: EBADMIME (not an accepted kind,
// or not what the client declared), ECORRUPT (a recognised format whose header cannot be parsed),
// EBADSIZE (more pixels than allowed: a decompression bomb).
import { ACCEPTED_IMAGE_NAMES, declaredMatches } from './formats.js';
import { readImageHeader } from './images/index.js';
import { probeAv } from './probe.js';
import { CachedReader, HeaderError } from './reader.js';
import { sniff, type Sniffed } from './sniff.js';
import type { ByteSource, InspectOptions, InspectResult, MediaKind, MediaRejection } from './types.js';

export async function inspect(source: ByteSource, options: InspectOptions): Promise<InspectResult> {
  if (source.size === 0) return refuse('EBADMIME', 'The file is empty.');
  const reader = new CachedReader(source);
  const sniffed = await sniff(reader);

  if (sniffed.kind === 'other') {
    const what = sniffed.mime ? `The file is ${sniffed.label}` : 'The content of the file is of no recognised type';
    return refuse('EBADMIME', `${what}; accepted here: ${kindList(options.accept)}.`);
  }

  if (sniffed.kind === 'image') {
    if (!options.accept.includes('Image')) return refuse('EBADMIME', `The file is ${sniffed.label}, but ${onlyPhrase(options.accept)}.`);
    if (!declaredMatches(options.declaredMime, { kind: 'image', format: sniffed.format })) {
      return contradiction(sniffed, options.declaredMime!);
    }
    let header;
    try {
      header = await readImageHeader(reader, sniffed.format);
    } catch (error) {
      if (error instanceof HeaderError) return damaged(sniffed, error);
      throw error;
    }
    const pixels = header.width * header.height;
    if (pixels > options.maxPixels) {
      return refuse(
        'EBADSIZE',
        `The image is ${header.width} × ${header.height} pixels (${grouped(pixels)} pixels), more than the limit of ${grouped(options.maxPixels)} pixels per image.`,
      );
    }
    return {
      ok: true,
      info: {
        kind: 'Image',
        mime: sniffed.mime,
        width: header.width,
        height: header.height,
        frames: header.frames,
        technical: {
          file_mime_type: sniffed.mime,
          file_size_bytes: source.size,
          image_format: sniffed.format,
          image_width: header.width,
          image_height: header.height,
          ...header.technical,
        },
      },
    };
  }

  // Video or audio: which of the two is known once the streams are seen.
  if (!options.accept.includes('Video') && !options.accept.includes('Audio')) {
    return refuse('EBADMIME', `The file is ${sniffed.label} (${sniffed.mime}), but ${onlyPhrase(options.accept)}.`);
  }
  if (!declaredMatches(options.declaredMime, { kind: 'av', mime: sniffed.mime })) return contradiction(sniffed, options.declaredMime!);
  let av;
  try {
    av = await probeAv(source, sniffed.mime);
  } catch (error) {
    if (error instanceof HeaderError) return damaged(sniffed, error);
    throw error;
  }
  if (!options.accept.includes(av.kind)) {
    const what = av.kind === 'Video' ? 'a video' : 'audio without video';
    return refuse('EBADMIME', `The file is ${what} (${av.mime}), but ${onlyPhrase(options.accept)}.`);
  }
  return {
    ok: true,
    info: {
      kind: av.kind,
      mime: av.mime,
      width: av.width,
      height: av.height,
      frames: av.frames,
      ...(av.durationMs !== undefined ? { durationMs: av.durationMs } : {}),
      technical: av.technical,
    },
  };
}

function refuse(code: MediaRejection['code'], message: string): InspectResult {
  return { ok: false, rejection: { code, message } };
}

function contradiction(sniffed: Exclude<Sniffed, { kind: 'other' }>, declared: string): InspectResult {
  return refuse(
    'EBADMIME',
    `The file was declared as ${declared} but its content is ${sniffed.label} (${sniffed.mime}). Declare the real type, or check that the file has the right extension.`,
  );
}

function damaged(sniffed: Exclude<Sniffed, { kind: 'other' }>, error: HeaderError): InspectResult {
  return refuse('ECORRUPT', `The file looks like ${sniffed.label}, but ${error.message}.`);
}

function onlyPhrase(accept: readonly MediaKind[]): string {
  return `only ${kindList(accept)} ${accept.length === 1 && accept[0] !== 'Image' ? 'is' : 'are'} accepted here`;
}

function kindList(accept: readonly MediaKind[]): string {
  const parts = accept.map((kind) => (kind === 'Image' ? `images (${ACCEPTED_IMAGE_NAMES})` : kind === 'Video' ? 'video' : 'audio'));
  if (parts.length === 0) return 'nothing';
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function grouped(n: number): string {
  return n.toLocaleString('en-US');
}
