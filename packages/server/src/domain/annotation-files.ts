// Reads the entries of an uploaded annotation file as a stream, never the whole file at once:
// JSON Lines (one object per line), or a JSON array (split into its elements as the bytes stream
// in, each element then read by JSON.parse). The first character that is not whitespace (or a
// byte-order mark) tells which. A line or an element longer than the limit is reported as a bad
// line and its bytes are skipped, never held: memory stays bounded by the limit, whatever the file.
import type { Readable } from 'node:stream';

export type FileEntry =
  /** A JSON value, or the reason a line could not be read; `line` counts from 1. */
  | { line: number; value: unknown }
  | { line: number; problem: 'InvalidJson' | 'LineTooLong'; message: string };

/** The file as a whole cannot be read (a JSON array with a syntax error, bytes that are not UTF-8 text...). */
export class MalformedFileError extends Error {}

export interface ReadOptions {
  /** Longest line, or element of a JSON array, taken (bytes). */
  maxLineBytes: number;
}

const NEWLINE = 0x0a;

export async function* readEntries(open: () => NodeJS.ReadableStream, o: ReadOptions): AsyncGenerator<FileEntry> {
  const first = await firstSignificantByte(open());
  if (first === undefined) return; // empty or only whitespace: no annotations
  if (first === 0x5b /* [ */) yield* readArray(open(), o.maxLineBytes);
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
  const current = new BoundedBytes(maxLineBytes);
  let line = 0;
  const finish = (): FileEntry | undefined => {
    line++;
    const bytes = current.take();
    if (!bytes) return { line, problem: 'LineTooLong', message: `the line is longer than ${maxLineBytes} bytes` };
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
  for await (const chunk of stream as Readable) {
    const buf = chunk as Buffer;
    let from = 0;
    for (let nl = buf.indexOf(NEWLINE, from); nl >= 0; nl = buf.indexOf(NEWLINE, from)) {
      current.append(buf.subarray(from, nl));
      const entry = finish();
      if (entry) yield entry;
      from = nl + 1;
    }
    if (from < buf.length) current.append(buf.subarray(from));
  }
  if (!current.isEmpty()) {
    const entry = finish();
    if (entry) yield entry;
  }
}

/**
 * The elements of a JSON array, one at a time. Only the structure is scanned here (strings,
 * escapes, nesting: every structural character is ASCII, so bytes of UTF-8 text never look like
 * one); each element's bytes go to JSON.parse. An element past `maxBytes` is reported LineTooLong
 * and the scan goes on without keeping its bytes. A file that is not one well-formed array
 * (unbalanced, a missing comma, an element that is not JSON, text after the closing bracket) is a
 * MalformedFileError, as a whole.
 */
async function* readArray(stream: NodeJS.ReadableStream, maxBytes: number): AsyncGenerator<FileEntry> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const malformed = (why: string) => new MalformedFileError(`not a valid JSON array: ${why}`);
  /** before: up to the opening [; between: before an element or the closing ]; element: inside one; after: past the closing ]. */
  let state: 'before' | 'between' | 'element' | 'after' = 'before';
  let count = 0;
  let expectElement = false; // after a comma, an element must follow
  let depth = 0;
  let inString = false;
  let escaped = false;
  const current = new BoundedBytes(maxBytes);
  let seenBom = false;

  /** The element just ended: its value, or why it cannot be one. */
  const finish = (): FileEntry => {
    count++;
    depth = 0;
    const bytes = current.take();
    if (!bytes) return { line: count, problem: 'LineTooLong', message: `the element is longer than ${maxBytes} bytes` };
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw malformed(`element ${count} is not UTF-8 text`);
    }
    try {
      return { line: count, value: JSON.parse(text) };
    } catch (err) {
      throw malformed(`element ${count}: ${(err as Error).message}`);
    }
  };
  const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

  for await (const chunk of stream as Readable) {
    const buf = chunk as Buffer;
    let from = 0; // start of the current element's bytes within this chunk
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (b === 0x5c /* \ */) escaped = true;
          else if (b === 0x22 /* " */) inString = false;
          continue;
        }
        if (b === 0x22) inString = true;
        else if (b === 0x7b /* { */ || b === 0x5b /* [ */) depth++;
        else if ((b === 0x7d /* } */ || b === 0x5d /* ] */) && depth > 0) depth--;
        else if (depth === 0 && (b === 0x2c /* , */ || b === 0x5d /* ] */)) {
          current.append(buf.subarray(from, i));
          yield finish();
          state = b === 0x2c ? 'between' : 'after';
          expectElement = b === 0x2c;
        }
        continue;
      }
      if (isSpace(b)) continue;
      if (state === 'before') {
        if (!seenBom && b === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) {
          seenBom = true;
          i += 2;
          continue;
        }
        if (b !== 0x5b) throw malformed('it does not start with [');
        state = 'between';
      } else if (state === 'between') {
        if (b === 0x5d && !expectElement) {
          state = 'after';
          continue;
        }
        if (b === 0x2c || b === 0x5d) throw malformed(`a value is missing ${count === 0 ? "before the first comma" : `after element ${count}`}`);
        state = 'element';
        from = i;
        i--; // scan this byte as the element's first
      } else {
        throw malformed('there is more after the closing ]');
      }
    }
    if (state === 'element') current.append(buf.subarray(from));
  }
  if ((state as string) !== 'after') throw malformed('the file ends before the closing ]');
}

/** The bytes of one line or element, kept up to a limit; past it only the fact that it was too long is kept. */
class BoundedBytes {
  private parts: Buffer[] = [];
  private length = 0;
  private tooLong = false;

  constructor(private readonly max: number) {}

  append(piece: Buffer): void {
    if (this.tooLong || piece.length === 0) return;
    if (this.length + piece.length > this.max) {
      this.tooLong = true;
      this.parts = [];
      this.length = 0;
      return;
    }
    this.parts.push(piece);
    this.length += piece.length;
  }

  isEmpty(): boolean {
    return this.length === 0 && !this.tooLong;
  }

  /** The bytes gathered (undefined when they went past the limit); starts over. */
  take(): Buffer | undefined {
    const bytes = this.tooLong ? undefined : Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    this.tooLong = false;
    return bytes;
  }
}
