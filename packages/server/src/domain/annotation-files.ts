// Reads the entries of an uploaded annotation file as a stream, never the whole file at once:
// JSON Lines (one object per line), or a JSON array (parsed incrementally by stream-json). The
// first character that is not whitespace (or a byte-order mark) tells which.
import { pipeline, type Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';

export type FileEntry =
  /** A JSON value, or the reason a line could not be read; `line` counts from 1. */
  | { line: number; value: unknown }
  | { line: number; problem: 'InvalidJson' | 'LineTooLong'; message: string };

/** The file as a whole cannot be read (a JSON array with a syntax error, bytes that are not UTF-8 text...). */
export class MalformedFileError extends Error {}

export interface ReadOptions {
  /** Longest line (or array element, roughly) taken, in bytes. */
  maxLineBytes: number;
}

const NEWLINE = 0x0a;

export async function* readEntries(open: () => NodeJS.ReadableStream, o: ReadOptions): AsyncGenerator<FileEntry> {
  const first = await firstSignificantByte(open());
  if (first === undefined) return; // empty or only whitespace: no annotations
  if (first === 0x5b /* [ */) yield* readArray(open());
  else yield* readLines(open(), o.maxLineBytes);
}

async function firstSignificantByte(stream: NodeJS.ReadableStream): Promise<number | undefined> {
  const s = stream as Readable;
  try {
    for await (const chunk of s) {
      const buf = chunk as Buffer;
      for (let i = 0; i < buf.length; i++) {
        const b = buf[i]!;
        if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
        if (b === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) {
          i += 2;
          continue;
        }
        return b;
      }
    }
    return undefined;
  } finally {
    s.destroy();
  }
}

async function* readLines(stream: NodeJS.ReadableStream, maxLineBytes: number): AsyncGenerator<FileEntry> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  let line = 0;
  const finish = (): FileEntry | undefined => {
    line++;
    const bytes = Buffer.concat(parts, length);
    parts = [];
    length = 0;
    if (tooLong) {
      tooLong = false;
      return { line, problem: 'LineTooLong', message: `the line is longer than ${maxLineBytes} bytes` };
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return { line, problem: 'InvalidJson', message: 'the line is not UTF-8 text' };
    }
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return undefined;
    try {
      return { line, value: JSON.parse(text) };
    } catch (err) {
      return { line, problem: 'InvalidJson', message: `not JSON: ${(err as Error).message}` };
    }
  };
  const append = (piece: Buffer) => {
    if (tooLong) return;
    if (length + piece.length > maxLineBytes) {
      tooLong = true;
      parts = [];
      length = 0;
      return;
    }
    parts.push(piece);
    length += piece.length;
  };
  for await (const chunk of stream as Readable) {
    const buf = chunk as Buffer;
    let from = 0;
    for (let nl = buf.indexOf(NEWLINE, from); nl >= 0; nl = buf.indexOf(NEWLINE, from)) {
      append(buf.subarray(from, nl));
      const entry = finish();
      if (entry) yield entry;
      from = nl + 1;
    }
    if (from < buf.length) append(buf.subarray(from));
  }
  if (length > 0 || tooLong) {
    const entry = finish();
    if (entry) yield entry;
  }
}

async function* readArray(stream: NodeJS.ReadableStream): AsyncGenerator<FileEntry> {
  const items = streamArray.withParserAsStream();
  let failure: Error | undefined;
  pipeline(stream as Readable, items, (err) => {
    if (err) failure = err;
  });
  try {
    for await (const item of items as AsyncIterable<{ key: number; value: unknown }>) {
      yield { line: item.key + 1, value: item.value };
    }
  } catch (err) {
    throw new MalformedFileError(`not a valid JSON array: ${(failure ?? (err as Error)).message}`);
  } finally {
    items.destroy(); // the reader stopped early: release the file
  }
  if (failure) throw new MalformedFileError(`not a valid JSON array: ${failure.message}`);
}
