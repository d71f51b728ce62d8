// Reads a whole ZIP archive in a test (yauzl), entry names -> bytes (directories -> empty).
import zlib from 'node:zlib';
import yauzl from 'yauzl';

export interface Unzipped {
  entries: Map<string, Buffer>;
  /** Entry names in archive order. */
  names: string[];
  /** Compression method per entry (0 = STORE, 8 = DEFLATE). */
  methods: Map<string, number>;
  /** Entries whose CRC-32 in the central directory does not match their bytes (should be none). */
  badCrcs: string[];
}

export function unzip(zip: Buffer): Promise<Unzipped> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, file) => {
      if (err || !file) return reject(err ?? new Error('no zip file'));
      const out: Unzipped = { entries: new Map(), names: [], methods: new Map(), badCrcs: [] };
      file.on('error', reject);
      file.on('end', () => resolve(out));
      file.on('entry', (entry: yauzl.Entry) => {
        out.names.push(entry.fileName);
        out.methods.set(entry.fileName, entry.compressionMethod);
        if (entry.fileName.endsWith('/')) {
          out.entries.set(entry.fileName, Buffer.alloc(0));
          file.readEntry();
          return;
        }
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            const bytes = Buffer.concat(chunks);
            if (zlib.crc32(bytes) >>> 0 !== entry.crc32 >>> 0) out.badCrcs.push(entry.fileName);
            out.entries.set(entry.fileName, bytes);
            file.readEntry();
          });
        });
      });
      file.readEntry();
    });
  });
}

/** True when the archive ends with a ZIP64 end-of-central-directory record (and its locator). */
export function hasZip64EndRecord(zip: Buffer): boolean {
  const tail = zip.subarray(Math.max(0, zip.length - 65_536 - 200));
  return tail.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])) && tail.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
}
