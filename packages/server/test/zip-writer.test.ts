// The batching ZIP writer under the export archive: exact bytes and offsets for small and large
// chunks, UTF-8 names, DEFLATE and STORE entries, and forced ZIP64 records.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BatchedZipStream } from '../src/domain/zip-writer.js';
import { hasZip64EndRecord, unzip } from './support/zip.js';

type Entry = { name: string; bytes: Buffer; stream?: boolean; file?: boolean; store?: boolean };

/** Entries carry a fixed time: two builds compared byte for byte must not straddle a DOS-time tick. */
const DATE = new Date('2026-01-02T03:04:06Z');

async function build(forceZip64: boolean, entries: Entry[]): Promise<Buffer> {
  const zip = new BatchedZipStream({ forceZip64 });
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    (zip as unknown as Readable).on('data', (c: Buffer) => chunks.push(c)).on('end', resolve).on('error', reject);
  });
  for (const e of entries) {
    const source = e.stream ? Readable.from([e.bytes.subarray(0, 5), e.bytes.subarray(5)]) : e.bytes;
    await new Promise<void>((resolve, reject) => {
      const done = (err: Error | null) => (err ? reject(err) : resolve());
      if (e.file) zip.fileEntry(e.bytes, { name: e.name, date: DATE }, done);
      else zip.entry(source, { name: e.name, date: DATE, store: e.store ?? true }, done);
    });
  }
  zip.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('BatchedZipStream', () => {
  const entries = [
    { name: 'dump/images/', bytes: Buffer.alloc(0) },
    { name: 'dump/images/big.bin', bytes: crypto.randomBytes(300_000), stream: true },
    { name: 'dump/annotations/ünïcode 猫.jsonl', bytes: Buffer.from('{"id":"a"}\n'.repeat(200)), store: false },
    ...Array.from({ length: 300 }, (_, i) => ({ name: `dump/annotations/f${i}.jsonl`, bytes: Buffer.from(`{"n":${i}}\n`) })),
    { name: 'dump/images/tiny.bin', bytes: crypto.randomBytes(10), stream: true },
  ];

  for (const forceZip64 of [false, true]) {
    it(`writes entries that read back byte for byte (forceZip64: ${forceZip64})`, async () => {
      const zip = await build(forceZip64, entries);
      expect(hasZip64EndRecord(zip)).toBe(forceZip64);
      const archive = await unzip(zip);
      expect(archive.names).toEqual(entries.map((e) => e.name));
      expect(archive.badCrcs).toEqual([]);
      for (const e of entries) expect(archive.entries.get(e.name)!.equals(e.bytes), e.name).toBe(true);
      expect(archive.methods.get('dump/images/big.bin')).toBe(0);
      expect(archive.methods.get('dump/annotations/ünïcode 猫.jsonl')).toBe(8);
    });

    it(`fileEntry writes the same bytes as a streamed entry (forceZip64: ${forceZip64})`, async () => {
      const streamed = await build(forceZip64, entries);
      const asFiles = entries.map((e) => (e.stream ? { ...e, stream: false, file: true } : e));
      const fromMemory = await build(forceZip64, asFiles);
      expect(fromMemory.equals(streamed)).toBe(true);
      const archive = await unzip(fromMemory);
      expect(archive.badCrcs).toEqual([]);
      for (const e of entries) expect(archive.entries.get(e.name)!.equals(e.bytes), e.name).toBe(true);
    });
  }
});
