// The part of zip-stream 7 (no published types) the export archive uses.
declare module 'zip-stream' {
  import { Transform } from 'node:stream';

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

  export default class ZipStream extends Transform {
    constructor(options?: ZipStreamOptions);
    /** One entry at a time: call again only after `callback`. */
    entry(source: Buffer | NodeJS.ReadableStream, data: EntryData, callback: (err: Error | null) => void): this;
    finalize(): void;
    getBytesWritten(): number;
  }
}
