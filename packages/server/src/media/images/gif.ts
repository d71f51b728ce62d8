// GIF: size from the logical screen descriptor, frames by counting image descriptors while walking
// the block structure. Image data is skipped sub-block by sub-block (its LZW codes are never
// decoded), which means reading through the file: GIF keeps no index of its frames.
import { HeaderError, type CachedReader } from '../reader.js';

export interface GifInfo {
  width: number;
  height: number;
  frames: number;
}

const CHUNK = 256 * 1024;

/** Sequential access with a synchronous fast path: a GIF walk is millions of one-byte steps. */
class Cursor {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkStart = 0;
  at = 0;
  constructor(private readonly reader: CachedReader) {}

  /** Makes the next `n` bytes available synchronously; false at the end of the file. */
  async ensure(n: number): Promise<boolean> {
    if (this.at >= this.chunkStart && this.at + n <= this.chunkStart + this.chunk.length) return true;
    this.chunkStart = this.at;
    this.chunk = await this.reader.read(this.at, Math.max(n, CHUNK));
    return this.chunk.length >= n;
  }

  byte(offset = 0): number {
    return this.chunk[this.at - this.chunkStart + offset]!;
  }

  u16(offset: number): number {
    return this.chunk.readUInt16LE(this.at - this.chunkStart + offset);
  }
}

export async function readGif(reader: CachedReader): Promise<GifInfo> {
  const cursor = new Cursor(reader);
  if (!(await cursor.ensure(13))) throw new HeaderError('the file ends inside its GIF header (it looks truncated)');
  const width = cursor.u16(6);
  const height = cursor.u16(8);
  if (width === 0 || height === 0) throw new HeaderError('the GIF screen descriptor gives no size');
  const packed = cursor.byte(10);
  cursor.at = 13 + ((packed & 0x80) !== 0 ? 3 * 2 ** ((packed & 7) + 1) : 0);

  let frames = 0;
  // The end, normal or not: frames already seen can be shown; a GIF without any image cannot.
  const finish = (what: string): GifInfo => {
    if (frames > 0) return { width, height, frames };
    throw new HeaderError(what);
  };
  for (;;) {
    if (!(await cursor.ensure(1))) return finish('the GIF ends before its first image (it looks truncated)');
    const introducer = cursor.byte();
    if (introducer === 0x3b) return finish('the GIF has no image');
    if (introducer === 0x2c) {
      if (!(await cursor.ensure(11))) return finish('the GIF ends inside an image descriptor (it looks truncated)');
      frames++;
      const local = cursor.byte(9);
      // Descriptor (10 bytes), local colour table, LZW minimum code size (1 byte), then data.
      cursor.at += 10 + ((local & 0x80) !== 0 ? 3 * 2 ** ((local & 7) + 1) : 0) + 1;
    } else if (introducer === 0x21) {
      cursor.at += 2; // introducer and label
    } else {
      return finish('the GIF block structure is damaged');
    }
    // Data sub-blocks: a length byte, that many bytes, ... until a zero length.
    for (;;) {
      if (!(await cursor.ensure(1))) return finish('the GIF ends inside its data (it looks truncated)');
      const length = cursor.byte();
      cursor.at += 1 + length;
      if (length === 0) break;
    }
  }
}
