// Thumbnails with sharp: WebP inside 256 × 256, aspect kept, never enlarged, EXIF orientation
// applied, first frame of animations; undefined for what the bundled libvips cannot decode.
import fs from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bufferSource, makeThumbnail, openFileSource, THUMBNAIL_FORMATS } from '../src/media/index.js';
import { tempDir } from './support/dialects.js';
import { committedMedia, corruptCopy, decompressionBomb, writeImage, type CommittedName, type GeneratedFormat } from './support/media-fixtures.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('vireo-thumbs-');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function thumbnailOf(file: string, options?: Parameters<typeof makeThumbnail>[1]): Promise<Buffer | undefined> {
  const source = await openFileSource(file);
  try {
    return await makeThumbnail(source, options);
  } finally {
    await source.close();
  }
}

async function webpSize(thumb: Buffer | undefined): Promise<{ width: number; height: number; pages: number }> {
  expect(thumb).toBeInstanceOf(Buffer);
  expect(thumb!.toString('latin1', 0, 4)).toBe('RIFF');
  expect(thumb!.toString('latin1', 8, 12)).toBe('WEBP');
  const meta = await sharp(thumb!).metadata();
  expect(meta.format).toBe('webp');
  return { width: meta.width, height: meta.height, pages: meta.pages ?? 1 };
}

describe('thumbnails', () => {
  test('the decodable formats are the ones the bundled libvips reads', () => {
    expect([...THUMBNAIL_FORMATS].sort()).toEqual(['avif', 'bmp', 'gif', 'heic', 'heif', 'j2k', 'jp2', 'jpeg', 'png', 'tiff', 'webp']);
  });

  const landscape: Array<[GeneratedFormat, number, number, number, number]> = [
    ['jpeg', 1000, 500, 256, 128],
    ['png', 300, 600, 128, 256],
    ['tiff', 512, 512, 256, 256],
    ['webp', 1024, 300, 256, 75],
    ['gif', 400, 100, 256, 64],
    ['avif', 640, 480, 256, 192],
  ];
  test.each(landscape)('%s %i × %i → %i × %i WebP', async (format, width, height, tw, th) => {
    const file = await writeImage(dir, format, { width, height });
    expect(await webpSize(await thumbnailOf(file.path))).toMatchObject({ width: tw, height: th });
  });

  test('small images are never enlarged', async () => {
    const file = await writeImage(dir, 'png', { width: 100, height: 50, name: 'small.png' });
    expect(await webpSize(await thumbnailOf(file.path))).toMatchObject({ width: 100, height: 50 });
  });

  test('another size', async () => {
    const file = await writeImage(dir, 'jpeg', { width: 800, height: 600, name: 'sized.jpg' });
    expect(await webpSize(await thumbnailOf(file.path, { size: 64 }))).toMatchObject({ width: 64, height: 48 });
  });

  test('EXIF orientation is applied: stored 640 × 480 with orientation 6 gives a portrait thumbnail', async () => {
    const file = await writeImage(dir, 'jpeg', { width: 640, height: 480, orientation: 6, name: 'turned.jpg' });
    const thumb = await thumbnailOf(file.path);
    expect(await webpSize(thumb)).toMatchObject({ width: 192, height: 256 });
    // The top-left stored band (first palette colour, red) ends up on the right after a 90° turn.
    const { data, info } = await sharp(thumb!).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const [r, g, b] = pixel(info.width - 2, 2);
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(80);
    expect(b).toBeLessThan(110);
  });

  test('animations give their first frame, as a still WebP', async () => {
    for (const format of ['gif', 'webp'] as const) {
      const file = await writeImage(dir, format, { width: 300, height: 150, frames: 4, name: `anim.${format}` });
      expect(await webpSize(await thumbnailOf(file.path)), format).toEqual({ width: 256, height: 128, pages: 1 });
    }
  });

  test('an AVIF image sequence gives its first frame', async () => {
    expect(await webpSize(await thumbnailOf(committedMedia('sequence.avif').path))).toEqual({ width: 64, height: 48, pages: 1 });
  });

  test('from a source without a local path (streamed into memory)', async () => {
    const file = await writeImage(dir, 'png', { width: 512, height: 256, name: 'streamed.png' });
    expect(await webpSize(await makeThumbnail(bufferSource(fs.readFileSync(file.path))))).toMatchObject({ width: 256, height: 128 });
  });

  test.each(['image.heic', 'image.heif', 'image.jp2', 'image.j2k'] as CommittedName[])('%s (decoded outside libvips) → 64 × 48 WebP', async (name) => {
    const thumb = await thumbnailOf(committedMedia(name).path);
    expect(await webpSize(thumb)).toEqual({ width: 64, height: 48, pages: 1 });
    // The test pattern's top-left corner is white-ish grey bars: not an empty (black) decode.
    const stats = await sharp(thumb!).stats();
    expect(stats.channels[0]!.max).toBeGreaterThan(150);
  });

  test('BMP is decoded outside libvips, in its stored orientation (bottom-up rows)', async () => {
    const file = await writeImage(dir, 'bmp', { width: 400, height: 100, name: 'ramps.bmp' });
    const thumb = await thumbnailOf(file.path);
    expect(await webpSize(thumb)).toMatchObject({ width: 256, height: 64 });
    // Blue rises left to right, green bottom to top (the fixture's ramps); no alpha channel.
    const { data, info } = await sharp(thumb!).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    const at = (x: number, y: number) => (y * info.width + x) * 3;
    expect(data[at(info.width - 1, 32)! + 2]).toBeGreaterThan(200);
    expect(data[at(0, 32)! + 2]).toBeLessThan(50);
    expect(data[at(128, 0)! + 1]).toBeGreaterThan(200);
    expect(data[at(128, info.height - 1)! + 1]).toBeLessThan(50);
  });

  test.each(['sequence.heif', 'video.mp4', 'video.webm', 'audio.mp3', 'audio.wav'] as CommittedName[])(
    '%s: no thumbnail (undefined, not an error)',
    async (name) => {
      expect(await thumbnailOf(committedMedia(name).path)).toBeUndefined();
    },
  );

  test('damaged images, bombs, text and empty files: undefined', async () => {
    const jpeg = await writeImage(dir, 'jpeg', { width: 64, height: 48, name: 'cut.jpg' });
    expect(await thumbnailOf((await corruptCopy(jpeg, dir)).path)).toBeUndefined();
    expect(await thumbnailOf((await decompressionBomb(dir)).path)).toBeUndefined();
    for (const name of ['image.heic', 'image.j2k'] as const) {
      // The header survives, the coded picture does not.
      const bytes = fs.readFileSync(committedMedia(name).path);
      const cut = `${dir}/cut-${name}`;
      fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 200));
      expect(await thumbnailOf(cut), name).toBeUndefined();
    }
    expect(await makeThumbnail(bufferSource(Buffer.from('not an image at all')))).toBeUndefined();
    expect(await makeThumbnail(bufferSource(Buffer.alloc(0)))).toBeUndefined();
  });

  test('an image above the pixel limit gets no thumbnail', async () => {
    const file = await writeImage(dir, 'png', { width: 200, height: 100, name: 'limited.png' });
    expect(await thumbnailOf(file.path, { maxPixels: 19_999 })).toBeUndefined();
    expect(await thumbnailOf(file.path, { maxPixels: 20_000 })).toBeInstanceOf(Buffer);
  });
});

describe('thumbnails of damaged input', () => {
  test('corrupted HEIC, JPEG 2000, BMP and JPEG never throw, and the decoders keep working after', async () => {
    let state = 7;
    const next = () => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state / 4294967296;
    };
    const files = [
      committedMedia('image.heic').path,
      committedMedia('image.jp2').path,
      committedMedia('image.j2k').path,
      (await writeImage(dir, 'bmp', { width: 30, height: 20, name: 'fuzz.bmp' })).path,
      (await writeImage(dir, 'jpeg', { width: 30, height: 20, name: 'fuzz.jpg' })).path,
    ];
    for (const file of files) {
      const original = fs.readFileSync(file);
      for (let i = 0; i < 40; i++) {
        const copy = Buffer.from(original);
        for (let f = 0; f < 6; f++) copy[16 + Math.floor(next() * (copy.length - 16))] = Math.floor(next() * 256);
        const thumb = await makeThumbnail(bufferSource(i % 2 === 0 ? copy : copy.subarray(0, Math.floor(copy.length * next()))));
        if (thumb) expect(thumb.toString('latin1', 8, 12)).toBe('WEBP');
      }
      expect(await webpSize(await thumbnailOf(file)), file).toMatchObject({ pages: 1 });
    }
  });
});
