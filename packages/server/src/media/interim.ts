// INTERIM stand-in for the media module (branch `media`) so that ingestion can be built and tested
// before it lands: header dimensions via image-size, thumbnails via sharp. Replaced by the real
// media module at merge; nothing else imports this file (see domain/asset-services.ts).
import { imageSize } from 'image-size';
import sharp from 'sharp';
import type { ByteSource, InspectOptions, InspectResult } from './types.js';

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
  tiff: 'image/tiff',
  heif: 'image/heif',
  avif: 'image/avif',
  jp2: 'image/jp2',
  j2c: 'image/jp2',
};
const SAME: Record<string, string> = { 'image/heic': 'image/heif', 'image/jpg': 'image/jpeg' };

export async function inspect(source: ByteSource, options: InspectOptions): Promise<InspectResult> {
  const head = await source.read(0, Math.min(source.size, 512 * 1024));
  let info: ReturnType<typeof imageSize>;
  try {
    info = imageSize(head);
  } catch {
    return { ok: false, rejection: { code: 'EBADMIME', message: 'not an image in an accepted format' } };
  }
  const mime = info.type ? MIME[info.type] : undefined;
  if (!mime) return { ok: false, rejection: { code: 'EBADMIME', message: `${info.type ?? 'unknown'} images are not accepted` } };
  const declared = options.declaredMime ? (SAME[options.declaredMime] ?? options.declaredMime) : undefined;
  if (declared && declared !== mime) {
    return { ok: false, rejection: { code: 'EBADMIME', message: `declared ${options.declaredMime} but the content is ${mime}` } };
  }
  if (!info.width || !info.height) return { ok: false, rejection: { code: 'ECORRUPT', message: 'image header has no dimensions' } };
  if (info.width * info.height > options.maxPixels) {
    return { ok: false, rejection: { code: 'EBADSIZE', message: `${info.width}x${info.height} pixels exceed the limit of ${options.maxPixels}` } };
  }
  return { ok: true, info: { kind: 'Image', mime, width: info.width, height: info.height, frames: 1 } };
}

export async function makeThumbnail(source: ByteSource, options: { size: number }): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of source.stream()) chunks.push(c as Buffer);
  try {
    return await sharp(Buffer.concat(chunks), { limitInputPixels: false })
      .rotate()
      .resize(options.size, options.size, { fit: 'inside', withoutEnlargement: true })
      .webp()
      .toBuffer();
  } catch {
    return undefined;
  }
}
