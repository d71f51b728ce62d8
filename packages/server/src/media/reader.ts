// Reading headers through a ByteSource: one 64 KiB prefix (where nearly every header is), then
// small aligned blocks for structures elsewhere (a TIFF directory at the end, the segments of a
// JPEG with deep metadata, ISO boxes after the media data). Header walkers make many tiny reads,
// and on S3 each uncached read is a ranged GET; skipping over large data must not read it.
import type { ByteSource } from './types.js';

/** A header that cannot be parsed: truncated, inconsistent or garbage. Becomes ECORRUPT. */
export class HeaderError extends Error {
  override readonly name = 'HeaderError';
}

const PREFIX_SIZE = 64 * 1024;
const BLOCK_SIZE = 4 * 1024;
const MAX_BLOCKS = 64;
/** Reads at least this long are not header walking: they go straight to the source. */
const DIRECT_READ = 16 * 1024;

export class CachedReader {
  readonly size: number;
  private prefix: Promise<Buffer> | undefined;
  private readonly blocks = new Map<number, Promise<Buffer>>();

  constructor(private readonly source: ByteSource) {
    this.size = source.size;
  }

  /** Up to `length` bytes from `offset` (fewer only at the end of the content). */
  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(this.size, offset + length);
    if (offset < 0 || offset >= end) return Buffer.alloc(0);
    if (end <= PREFIX_SIZE) {
      this.prefix ??= this.source.read(0, PREFIX_SIZE);
      return (await this.prefix).subarray(offset, end);
    }
    if (end - offset >= DIRECT_READ) return this.source.read(offset, end - offset);
    const first = Math.floor(offset / BLOCK_SIZE);
    const last = Math.floor((end - 1) / BLOCK_SIZE);
    const parts: Buffer[] = [];
    for (let index = first; index <= last; index++) parts.push(await this.block(index));
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const start = offset - first * BLOCK_SIZE;
    return joined.subarray(start, start + (end - offset));
  }

  /** Exactly `length` bytes from `offset`, or a HeaderError naming what was cut off. */
  async readExact(offset: number, length: number, what: string): Promise<Buffer> {
    const bytes = await this.read(offset, length);
    if (bytes.length < length) throw new HeaderError(`the file ends inside its ${what} (it looks truncated)`);
    return bytes;
  }

  private block(index: number): Promise<Buffer> {
    let block = this.blocks.get(index);
    if (block) {
      // Map order doubles as recency for a tiny LRU.
      this.blocks.delete(index);
      this.blocks.set(index, block);
      return block;
    }
    block = this.source.read(index * BLOCK_SIZE, BLOCK_SIZE);
    this.blocks.set(index, block);
    block.catch(() => this.blocks.delete(index));
    if (this.blocks.size > MAX_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    return block;
  }
}
