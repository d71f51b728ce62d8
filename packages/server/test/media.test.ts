// The media module on real files: generated images of seven formats, committed HEIF / JPEG 2000 /
// video / audio fixtures, damaged and hostile files.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bufferSource, inspect, openFileSource, type ByteSource, type InspectOptions, type InspectResult, type MediaInfo } from '../src/media/index.js';
import { tempDir } from './support/dialects.js';
import {
  COMMITTED_MEDIA,
  committedMedia,
  corruptCopy,
  decompressionBomb,
  mislabeledFile,
  notMedia,
  writeAllNineFormats,
  writeImage,
  writeLargeImage,
  type CommittedName,
  type GeneratedFormat,
  type MediaFixture,
} from './support/media-fixtures.js';

const ALL: InspectOptions = { accept: ['Image', 'Video', 'Audio'], maxPixels: 100_000_000 };
const IMAGES: InspectOptions = { accept: ['Image'], maxPixels: 100_000_000 };

let dir: string;
beforeAll(() => {
  dir = tempDir('vireo-media-');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function inspectFile(file: string, options: InspectOptions = ALL): Promise<InspectResult> {
  const source = await openFileSource(file);
  try {
    return await inspect(source, options);
  } finally {
    await source.close();
  }
}

function accepted(result: InspectResult): MediaInfo {
  if (!result.ok) throw new Error(`expected acceptance, got ${result.rejection.code}: ${result.rejection.message}`);
  return result.info;
}

function rejected(result: InspectResult) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.info)}`);
  return result.rejection;
}

describe('images: size and frames from headers', () => {
  const cases: Array<[GeneratedFormat, number, number]> = [
    ['jpeg', 64, 48],
    ['jpeg', 1, 1],
    ['jpeg', 4001, 3],
    ['png', 300, 200],
    ['png', 1, 7000],
    ['tiff', 123, 45],
    ['bmp', 17, 9],
    ['bmp', 640, 1],
    ['webp', 640, 480],
    ['webp', 16383, 2],
    ['avif', 33, 17],
    ['gif', 100, 50],
  ];
  test.each(cases)('%s %i × %i', async (format, width, height) => {
    const file = await writeImage(dir, format, { width, height });
    const info = accepted(await inspectFile(file.path, IMAGES));
    expect(info).toMatchObject({ kind: 'Image', mime: file.mime, width, height, frames: 1 });
    expect(info.technical).toMatchObject({ image_format: format, image_width: width, image_height: height, file_mime_type: file.mime });
    expect(info.durationMs).toBeUndefined();
  });

  test('all nine format families, as the Vi SDK names and declares them', async () => {
    const files = await writeAllNineFormats(dir);
    expect(files.map((f) => f.filename.split('.').pop()).sort()).toEqual(['avif', 'bmp', 'gif', 'heic', 'heif', 'j2k', 'jp2', 'jpg', 'png', 'tiff', 'webp']);
    for (const file of files) {
      const info = accepted(await inspectFile(file.path, { ...IMAGES, declaredMime: file.declaredMime }));
      expect(info, file.filename).toMatchObject({ kind: 'Image', mime: file.mime, width: 64, height: 48, frames: 1 });
      expect(info.technical?.image_format, file.filename).toBe(file.format);
    }
  });

  test('.jfif and .jpeg names are JPEG', async () => {
    for (const name of ['scan.jfif', 'scan.jpeg']) {
      const file = await writeImage(dir, 'jpeg', { width: 20, height: 10, name });
      expect(file.declaredMime).toBe('image/jpeg');
      expect(accepted(await inspectFile(file.path, { ...IMAGES, declaredMime: file.declaredMime }))).toMatchObject({ mime: 'image/jpeg', width: 20, height: 10 });
    }
  });

  test('committed HEIF and JPEG 2000 images and image sequences', async () => {
    for (const name of ['image.heic', 'image.heif', 'image.jp2', 'image.j2k', 'sequence.avif', 'sequence.heif'] as const) {
      const fixture = committedMedia(name);
      const info = accepted(await inspectFile(fixture.path, IMAGES));
      expect(info, name).toMatchObject({ kind: 'Image', mime: fixture.mime, width: fixture.width, height: fixture.height, frames: fixture.frames });
      expect(info.technical?.image_format, name).toBe(fixture.format);
    }
  });

  test('animated GIF and WebP: frames counted from their block structure', async () => {
    const gif = await writeImage(dir, 'gif', { width: 40, height: 30, frames: 7 });
    expect(accepted(await inspectFile(gif.path))).toMatchObject({ mime: 'image/gif', width: 40, height: 30, frames: 7 });
    const webp = await writeImage(dir, 'webp', { width: 41, height: 31, frames: 5 });
    expect(accepted(await inspectFile(webp.path))).toMatchObject({ mime: 'image/webp', width: 41, height: 31, frames: 5 });
  });

  test('a multi-page TIFF counts its pages as frames', async () => {
    const tiff = await writeImage(dir, 'tiff', { width: 50, height: 20, frames: 3 });
    expect(accepted(await inspectFile(tiff.path))).toMatchObject({ mime: 'image/tiff', width: 50, height: 20, frames: 3 });
  });

  test.each(['jpeg', 'tiff', 'webp', 'png'] as const)('EXIF orientation 6 in %s: the displayed size (stored 64 × 48 shows as 48 × 64)', async (format) => {
    const file = await writeImage(dir, format, { width: 64, height: 48, orientation: 6, name: `rotated.${format}` });
    const info = accepted(await inspectFile(file.path));
    expect(info).toMatchObject({ width: 48, height: 64 });
    expect(info.technical?.image_orientation).toBe(6);
  });

  test('EXIF orientation 3 (upside down) keeps the size', async () => {
    const file = await writeImage(dir, 'jpeg', { width: 64, height: 48, orientation: 3, name: 'upside-down.jpg' });
    const info = accepted(await inspectFile(file.path));
    expect(info).toMatchObject({ width: 64, height: 48 });
    expect(info.technical?.image_orientation).toBe(3);
  });
});

describe('images: refusals', () => {
  test.each(['jpeg', 'png', 'tiff', 'bmp', 'webp', 'gif', 'avif'] as const)('a %s with its header cut off is ECORRUPT', async (format) => {
    const file = await writeImage(dir, format, { width: 64, height: 48, name: `tocut-${format}.${format}` });
    const broken = await corruptCopy(file, dir);
    const rejection = rejected(await inspectFile(broken.path, { ...IMAGES, declaredMime: file.declaredMime }));
    expect(rejection.code).toBe('ECORRUPT');
    expect(rejection.message).toMatch(/^The file looks like an? .+ image, but .+\.$/);
  });

  test.each(['image.heic', 'image.heif', 'image.jp2', 'image.j2k'] as const)('%s with its header cut off is ECORRUPT', async (name) => {
    const broken = await corruptCopy(committedMedia(name), dir);
    const rejection = rejected(await inspectFile(broken.path, IMAGES));
    expect(rejection.code).toBe('ECORRUPT');
    expect(rejection.message).toContain('truncated');
  });

  test('a tiny PNG declaring 100000 × 100000 pixels is EBADSIZE (decompression bomb)', async () => {
    const bomb = await decompressionBomb(dir);
    expect(fs.statSync(bomb.path).size).toBeLessThan(200);
    const rejection = rejected(await inspectFile(bomb.path, { accept: ['Image'], maxPixels: 268_402_689 }));
    expect(rejection).toEqual({
      code: 'EBADSIZE',
      message: 'The image is 100000 × 100000 pixels (10,000,000,000 pixels), more than the limit of 268,402,689 pixels per image.',
    });
  });

  test('the pixel limit is inclusive', async () => {
    const file = await writeImage(dir, 'png', { width: 100, height: 50 });
    expect(accepted(await inspectFile(file.path, { accept: ['Image'], maxPixels: 5000 })).width).toBe(100);
    expect(rejected(await inspectFile(file.path, { accept: ['Image'], maxPixels: 4999 })).code).toBe('EBADSIZE');
  });

  test('PNG bytes declared as image/jpeg are EBADMIME, saying both types', async () => {
    const file = await mislabeledFile(dir);
    const rejection = rejected(await inspectFile(file.path, { ...IMAGES, declaredMime: file.declaredMime }));
    expect(rejection.code).toBe('EBADMIME');
    expect(rejection.message).toBe(
      'The file was declared as image/jpeg but its content is a PNG image (image/png). Declare the real type, or check that the file has the right extension.',
    );
  });

  test('text named .jpg, an empty file, a PDF: EBADMIME', async () => {
    const text = await notMedia(dir);
    const textRejection = rejected(await inspectFile(text.path, { ...IMAGES, declaredMime: text.declaredMime }));
    expect(textRejection.code).toBe('EBADMIME');
    expect(textRejection.message).toMatch(/no recognised type; accepted here: images \(JPEG, PNG/);

    expect(rejected(await inspect(bufferSource(Buffer.alloc(0)), IMAGES))).toEqual({ code: 'EBADMIME', message: 'The file is empty.' });

    const pdf = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
    const pdfRejection = rejected(await inspect(bufferSource(pdf), IMAGES));
    expect(pdfRejection.code).toBe('EBADMIME');
    expect(pdfRejection.message).toContain('a PDF file (application/pdf)');
  });

  test('declared types: aliases and HEIF family names are compatible, other formats are not', async () => {
    const jpeg = await writeImage(dir, 'jpeg', { width: 8, height: 8, name: 'declared.jpg' });
    const heic = committedMedia('image.heic');
    const heif = committedMedia('image.heif');
    const avif = await writeImage(dir, 'avif', { width: 8, height: 8, name: 'declared.avif' });
    const j2k = committedMedia('image.j2k');
    const ok: Array<[MediaFixture, string]> = [
      [jpeg, 'image/jpg'],
      [jpeg, 'IMAGE/JPEG; charset=binary'],
      [jpeg, 'image/pjpeg'],
      [jpeg, 'application/octet-stream'],
      [jpeg, 'image/*'],
      [heic, 'image/heif'],
      [heif, 'image/heic'],
      [avif, 'image/heif'],
      [j2k, 'image/jp2'],
    ];
    for (const [file, declaredMime] of ok) {
      expect(accepted(await inspectFile(file.path, { ...IMAGES, declaredMime })).width, `${file.filename} as ${declaredMime}`).toBeGreaterThan(0);
    }
    const bad: Array<[MediaFixture, string]> = [
      [jpeg, 'image/png'],
      [jpeg, 'video/mp4'],
      [avif, 'image/heic'],
      [heic, 'image/avif'],
      [j2k, 'image/jpeg'],
    ];
    for (const [file, declaredMime] of bad) {
      expect(rejected(await inspectFile(file.path, { ...IMAGES, declaredMime })).code, `${file.filename} as ${declaredMime}`).toBe('EBADMIME');
    }
  });

  test('accept: images only refuse video and audio, and the other way round', async () => {
    const mp4 = rejected(await inspectFile(committedMedia('video.mp4').path, IMAGES));
    expect(mp4.code).toBe('EBADMIME');
    expect(mp4.message).toBe('The file is an MP4 video (video/mp4), but only images (JPEG, PNG, TIFF, BMP, WebP, GIF, HEIF/HEIC, AVIF or JPEG 2000) are accepted here.');

    const png = await writeImage(dir, 'png', { width: 5, height: 5 });
    const pngRejection = rejected(await inspectFile(png.path, { accept: ['Video', 'Audio'], maxPixels: 1e9 }));
    expect(pngRejection).toEqual({ code: 'EBADMIME', message: 'The file is a PNG image, but only video and audio are accepted here.' });

    const videoAsAudio = rejected(await inspectFile(committedMedia('video.webm').path, { accept: ['Audio'], maxPixels: 1e9 }));
    expect(videoAsAudio).toEqual({ code: 'EBADMIME', message: 'The file is a video (video/webm), but only audio is accepted here.' });

    const audioAsVideo = rejected(await inspectFile(committedMedia('audio.m4a').path, { accept: ['Video'], maxPixels: 1e9 }));
    expect(audioAsVideo).toEqual({ code: 'EBADMIME', message: 'The file is audio without video (audio/mp4), but only video is accepted here.' });
  });
});

describe('video and audio probing (MediaInfo)', () => {
  test.each(Object.keys(COMMITTED_MEDIA).filter((n) => !n.startsWith('image') && !n.startsWith('sequence')) as CommittedName[])('%s', async (name) => {
    const fixture = committedMedia(name);
    const info = accepted(await inspectFile(fixture.path));
    expect(info).toMatchObject({ kind: fixture.kind, mime: fixture.mime, width: fixture.width, height: fixture.height, frames: fixture.frames });
    expect(info.technical).toMatchObject({ file_mime_type: fixture.mime, file_size_bytes: fs.statSync(fixture.path).size });
  });

  test('video details: duration, codecs, frame rate, frame count, audio streams', async () => {
    const mp4 = accepted(await inspectFile(committedMedia('video.mp4').path));
    expect(mp4.durationMs).toBe(1000);
    expect(mp4.technical).toMatchObject({
      video_codec: 'h264',
      video_width: 64,
      video_height: 48,
      video_fps: 10,
      video_duration_seconds: 1,
      video_frame_count: 10,
      audio_codec: 'aac',
      audio_sample_rate: 8000,
      audio_channels: 1,
    });

    const mov = accepted(await inspectFile(committedMedia('video.mov').path));
    expect(mov.durationMs).toBe(1000);
    expect(mov.technical).toMatchObject({ video_codec: 'h264', video_fps: 10 });
    expect(mov.technical?.audio_codec).toBeUndefined();

    const webm = accepted(await inspectFile(committedMedia('video.webm').path));
    expect(webm.durationMs).toBeGreaterThanOrEqual(1000);
    expect(webm.durationMs).toBeLessThanOrEqual(1050);
    expect(webm.technical).toMatchObject({ video_codec: 'vp9', video_fps: 10, audio_codec: 'opus', audio_sample_rate: 48000, audio_channels: 1 });

    const mkv = accepted(await inspectFile(committedMedia('video.mkv').path));
    expect(mkv.durationMs).toBeGreaterThanOrEqual(1000);
    expect(mkv.durationMs).toBeLessThanOrEqual(1050);
    expect(mkv.technical).toMatchObject({ video_codec: 'h264', video_fps: 10, audio_codec: 'vorbis', audio_sample_rate: 22050, audio_channels: 2 });
  });

  test('audio details: duration, codec, sample rate, channels', async () => {
    const expected: Record<string, { codec: string; rate: number; channels: number; minMs: number; maxMs: number }> = {
      'audio.mp3': { codec: 'mp3', rate: 22050, channels: 1, minMs: 1000, maxMs: 1120 },
      'audio.wav': { codec: 'pcm_s16le', rate: 8000, channels: 1, minMs: 1000, maxMs: 1000 },
      'audio.flac': { codec: 'flac', rate: 8000, channels: 1, minMs: 1000, maxMs: 1000 },
      'audio.aac': { codec: 'aac', rate: 16000, channels: 1, minMs: 1000, maxMs: 1100 },
      'audio.ogg': { codec: 'vorbis', rate: 22050, channels: 2, minMs: 1000, maxMs: 1000 },
      'audio.m4a': { codec: 'aac', rate: 8000, channels: 1, minMs: 1000, maxMs: 1000 },
    };
    for (const [name, want] of Object.entries(expected)) {
      const info = accepted(await inspectFile(committedMedia(name as CommittedName).path));
      expect(info.kind, name).toBe('Audio');
      expect(info.durationMs, name).toBeGreaterThanOrEqual(want.minMs);
      expect(info.durationMs, name).toBeLessThanOrEqual(want.maxMs);
      expect(info.technical, name).toMatchObject({ audio_codec: want.codec, audio_sample_rate: want.rate, audio_channels: want.channels });
      expect(info.technical?.audio_duration_seconds, name).toBe(info.durationMs! / 1000);
    }
  });

  test('declared types of video and audio: same container family passes, another fails', async () => {
    const mov = committedMedia('video.mov').path;
    expect(accepted(await inspectFile(mov, { ...ALL, declaredMime: 'video/mp4' })).mime).toBe('video/quicktime');
    const wav = committedMedia('audio.wav').path;
    expect(accepted(await inspectFile(wav, { ...ALL, declaredMime: 'audio/x-wav' })).mime).toBe('audio/wav');
    const mp4 = committedMedia('video.mp4').path;
    const rejection = rejected(await inspectFile(mp4, { ...ALL, declaredMime: 'audio/mpeg' }));
    expect(rejection.code).toBe('EBADMIME');
    expect(rejection.message).toContain('an MP4 video (video/mp4)');
  });

  test('an MP4 cut inside its header is ECORRUPT', async () => {
    const bytes = fs.readFileSync(committedMedia('video.mp4').path);
    const rejection = rejected(await inspect(bufferSource(bytes.subarray(0, 300)), ALL));
    expect(rejection.code).toBe('ECORRUPT');
    expect(rejection.message).toMatch(/^The file looks like an MP4 video, but/);
  });

  test('concurrent probes share one MediaInfo instance and all get their own answers', async () => {
    const names = ['video.mp4', 'video.webm', 'audio.flac', 'video.mkv', 'audio.ogg', 'video.mov', 'audio.wav', 'audio.mp3'] as const;
    const results = await Promise.all([...names, ...names].map((name) => inspectFile(committedMedia(name).path)));
    results.forEach((result, i) => {
      const name = [...names, ...names][i]!;
      expect(accepted(result).mime, name).toBe(COMMITTED_MEDIA[name].mime);
    });
  });
});

/** Counts every byte read through a ByteSource. */
function counting(source: ByteSource): ByteSource & { bytesRead: number } {
  const counted = {
    size: source.size,
    bytesRead: 0,
    async read(offset: number, length: number) {
      const bytes = await source.read(offset, length);
      counted.bytesRead += bytes.length;
      return bytes;
    },
    stream: source.stream.bind(source),
  };
  return counted;
}

describe('large images are inspected from their headers only', () => {
  const twentyMiB = 20 * 1024 * 1024;
  test.each(['tiff', 'png', 'bmp', 'jpeg'] as const)('%s of 20+ MiB', async (format) => {
    const large = await writeLargeImage(dir, format, twentyMiB);
    const file = await openFileSource(large.path);
    try {
      expect(file.size).toBeGreaterThan(twentyMiB);
      const source = counting(file);
      const info = accepted(await inspect(source, IMAGES));
      expect(info).toMatchObject({ mime: large.mime, width: large.width, height: large.height, frames: 1 });
      // A couple of 64 KiB blocks at most: the header, and for TIFF the directory at the end.
      expect(source.bytesRead).toBeLessThanOrEqual(256 * 1024);
    } finally {
      await file.close();
      fs.rmSync(large.path);
    }
  });
});

describe('byte sources', () => {
  test('file source: positional reads, short reads at the end, ranged streams', async () => {
    const path = `${dir}/bytes.bin`;
    fs.writeFileSync(path, Buffer.from('0123456789'));
    const source = await openFileSource(path);
    try {
      expect(source.size).toBe(10);
      expect((await source.read(2, 3)).toString()).toBe('234');
      expect((await source.read(8, 100)).toString()).toBe('89');
      expect((await source.read(10, 5)).length).toBe(0);
      const streamed = async (s: NodeJS.ReadableStream) => {
        const parts: Buffer[] = [];
        for await (const part of s) parts.push(Buffer.from(part as Buffer));
        return Buffer.concat(parts).toString();
      };
      expect(await streamed(source.stream())).toBe('0123456789');
      expect(await streamed(source.stream(3, 5))).toBe('345');
      await expect(source.read(-1, 2)).rejects.toThrow(RangeError);
    } finally {
      await source.close();
    }
    await expect(source.read(0, 1)).rejects.toThrow();
  });

  test('buffer source', async () => {
    const source = bufferSource(Buffer.from('abcdef'));
    expect((await source.read(4, 10)).toString()).toBe('ef');
    const parts: Buffer[] = [];
    for await (const part of source.stream(1, 2)) parts.push(Buffer.from(part as Buffer));
    expect(Buffer.concat(parts).toString()).toBe('bc');
  });
});

describe('damaged input never throws', () => {
  /** A small deterministic generator (mulberry32), so a failure can be replayed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  test('every truncation and 100 random corruptions of the header of each format', async () => {
    const files = [
      ...(await writeAllNineFormats(dir)),
      await writeImage(dir, 'gif', { width: 20, height: 10, frames: 3, name: 'fuzz-anim.gif' }),
      await writeImage(dir, 'webp', { width: 20, height: 10, frames: 3, name: 'fuzz-anim.webp' }),
      await writeImage(dir, 'jpeg', { width: 20, height: 10, orientation: 6, name: 'fuzz-exif.jpg' }),
      committedMedia('sequence.avif'),
      committedMedia('sequence.heif'),
      committedMedia('video.mp4'),
      committedMedia('audio.flac'),
    ];
    const next = random(20_240_601);
    const codes = new Set<string>();
    for (const file of files) {
      const original = fs.readFileSync(file.path);
      const variants: Buffer[] = [];
      for (let length = 0; length < Math.min(original.length, 400); length += 7) variants.push(original.subarray(0, length));
      for (let i = 0; i < 100; i++) {
        const copy = Buffer.from(original);
        const flips = 1 + Math.floor(next() * 4);
        for (let f = 0; f < flips; f++) copy[Math.floor(next() * Math.min(copy.length, 512))] = Math.floor(next() * 256);
        variants.push(copy);
      }
      for (const bytes of variants) {
        const result = await inspect(bufferSource(bytes), { accept: ['Image', 'Video', 'Audio'], maxPixels: 50_000_000 });
        if (!result.ok) codes.add(result.rejection.code);
        else expect(result.info.width === null || result.info.width > 0, file.filename).toBe(true);
      }
    }
    expect([...codes].sort()).toEqual(expect.arrayContaining(['EBADMIME', 'ECORRUPT']));
  });
});
