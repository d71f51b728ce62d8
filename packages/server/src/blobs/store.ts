// The blob store: content-addressed bytes (by SHA-256) plus a staging area where uploads land
// before they are verified. `fs.ts` keeps both on the local disk; an S3 store can implement the
// same interface with clients PUTting straight into a staging key of the bucket, which is why
// everything after the bytes land works from a staged object read back as a ByteSource.
import type { Readable } from 'node:stream';
import type { ByteSource } from '../media/types.js';

/** Bytes that have landed in staging, with what was measured while they streamed in. */
export interface StagedObject {
  key: string;
  size: number;
  /** Unsigned CRC32C (0 when staged with `crc32c: false`). */
  crc32c: number;
  /** Lower-case hex. */
  sha256: string;
}

export class StageLimitError extends Error {
  constructor(
    readonly reason: 'too-large' | 'longer-than-declared',
    readonly limit: number,
  ) {
    super(reason === 'too-large' ? `more than ${limit} bytes` : `more bytes than the ${limit} announced`);
    this.name = 'StageLimitError';
  }
}

export interface StageOptions {
  /** Stop with StageLimitError('too-large') past this many bytes. */
  maxBytes: number;
  /** Stop with StageLimitError('longer-than-declared') past this many bytes. */
  declaredSize?: number;
  /** false: skip the CRC32C (StagedObject.crc32c is then 0), for callers that only need the SHA-256. */
  crc32c?: boolean;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** A blob opened for positional reads; the caller closes it (after its last read has settled). */
export interface BlobReader {
  /** Reads up to `length` bytes at `position` into the start of `into`; resolves with the count (0 at the end). */
  read(into: Buffer, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface BlobStore {
  /**
   * Streams `input` into a new staging object while measuring size, CRC32C and SHA-256. Nothing is
   * left behind when it throws (limit exceeded, input aborted, disk error). It never destroys
   * `input` (an HTTP request must stay answerable): when it throws, a caller that owns a stream
   * of its own (files, archives) destroys it.
   *
   * Each chunk is done with when its 'data' event returns (no reference to it is kept), so a
   * producer that sees its chunk consumed synchronously may reuse the chunk's memory.
   */
  stage(input: Readable, options: StageOptions): Promise<StagedObject>;
  /** Stages bytes already in memory (thumbnails). */
  stageBuffer(bytes: Buffer): Promise<StagedObject>;
  /** Random access to a staged object (media inspection reads headers through it). */
  openStaged(key: string, size: number): ByteSource;
  discardStaged(key: string): Promise<void>;
  /**
   * Makes the staged object the blob `sha256` (atomically; the staged object is consumed). Promoting
   * a key again after it succeeded is a no-op: a retried transaction may repeat the step.
   */
  promote(key: string, sha256: string): Promise<void>;
  open(sha256: string, size: number): ByteSource;
  /** Reads the blob's first `length` bytes into `into` (from its start); resolves with the count read. */
  readInto(sha256: string, into: Buffer, length: number): Promise<number>;
  /** The blob's bytes, or a range of them. */
  stream(sha256: string, range?: ByteRange): Readable;
  /** Opens the blob for reads into the caller's buffers (downloads reuse theirs); rejects with ENOENT when it is missing. */
  openReader(sha256: string): Promise<BlobReader>;
  exists(sha256: string): Promise<boolean>;
  /** Removes the blob; a blob already gone is not an error. */
  delete(sha256: string): Promise<void>;
  /** Discards staging left behind by processes that died (called at start). Returns how many went. */
  recoverStaging(): Promise<number>;
}
