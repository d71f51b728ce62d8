// The part of zip-stream 7 (no published types) the export archive uses. At run time it is a
// readable-stream Transform (a Node Readable to its consumers).
declare module 'zip-stream' {
  export interface ZipStreamOptions {
    /** Writes ZIP64 records even when the archive does not need them. */
    forceZip64?: boolean;
    store?: boolean;
    comment?: string;
  }

  export interface EntryData {
    name: string;
    date?: Date;
    mode?: number;
    /** STORE (no compression) instead of DEFLATE. */
    store?: boolean;
    type?: 'file' | 'directory';
  }

  export interface ZipEntry {
    getMethod(): number;
    getGeneralPurposeBit(): { useDataDescriptor(on: boolean): void };
    setVersionNeededToExtract(version: number): void;
    setCrc(crc: number): void;
    setSize(size: number): void;
    setCompressedSize(size: number): void;
  }

  export default class ZipStream {
    constructor(options?: ZipStreamOptions);
    /** Bytes written so far: ZIP offsets are computed from it. */
    offset: number;
    /** One entry at a time: call again only after `callback`. */
    entry(source: Buffer | NodeJS.ReadableStream, data: EntryData, callback: (err: Error | null) => void): this;
    finalize(): void;
    write(chunk: Buffer | string, callback?: (err?: Error | null) => void): boolean;
    end(...args: unknown[]): this;
    destroy(err?: Error): this;
    /** compress-commons internals the STORE fast path replaces (see domain/zip-writer.ts). */
    protected _smartStream(entry: ZipEntry, callback: (err: Error | null, entry: ZipEntry) => void): NodeJS.WritableStream;
    protected _afterAppend(entry: ZipEntry): void;
    protected _appendBuffer(entry: ZipEntry, source: Buffer, callback: (err: Error | null, entry: ZipEntry) => void): void;
    protected _writeLocalFileHeader(entry: ZipEntry): void;
    on(event: string, listener: (...args: any[]) => void): this;
    once(event: string, listener: (...args: any[]) => void): this;
    off(event: string, listener: (...args: any[]) => void): this;
  }
}
