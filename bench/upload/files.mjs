// Test images for the upload benchmark: real, distinct JPEGs of about the requested size. A few
// noise templates are encoded once with sharp (noise does not compress, so the size is honest);
// each file is a template with a unique JPEG comment segment (COM) right after SOI, so every file
// has different bytes, a different SHA-256, and still sniffs and inspects as a valid JPEG.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

const TEMPLATES = 8;

/** Writes `count` JPEGs of about `sizeBytes` into `dir`; returns [{ name, path, size }]. */
export async function generateImages(dir, count, sizeBytes) {
  await fs.mkdir(dir, { recursive: true });
  const templates = [];
  for (let t = 0; t < TEMPLATES; t++) templates.push(await noiseJpeg(sizeBytes, t));
  const files = [];
  const write = async (i) => {
    const template = templates[i % templates.length];
    const tag = Buffer.from(`vireo bench image ${i} ${crypto.randomBytes(8).toString('hex')}`);
    const com = Buffer.alloc(4);
    com.writeUInt16BE(0xfffe, 0); // COM marker
    com.writeUInt16BE(tag.length + 2, 2); // segment length includes its own two bytes
    const bytes = Buffer.concat([template.subarray(0, 2), com, tag, template.subarray(2)]);
    const name = `img-${String(i).padStart(6, '0')}.jpg`;
    const file = path.join(dir, name);
    await fs.writeFile(file, bytes);
    files[i] = { name, path: file, size: bytes.length, mime: 'image/jpeg' };
  };
  for (let i = 0; i < count; i += 64) {
    await Promise.all(Array.from({ length: Math.min(64, count - i) }, (_, k) => write(i + k)));
  }
  return files;
}

/** A noise JPEG whose size is close to `target` bytes (quality 90, square, side from a size model). */
async function noiseJpeg(target, seed) {
  // Noise at quality 90 costs about 0.83 bytes per pixel; vary the side a little per template.
  const side = Math.max(16, Math.round(Math.sqrt(target / 0.83) * (0.95 + 0.1 * (seed / TEMPLATES))));
  const raw = Buffer.alloc(side * side * 3);
  let x = (seed + 1) * 2654435761;
  for (let i = 0; i < raw.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}
