// A local cache of file checksums, like git's index: a file whose path, size, modification and
// change times (ns), inode and device are what they were when it was last hashed has the CRC32C it
// had then, so re-running an upload of a finished folder reads no file bytes at all.
//
// Why it is safe: the server decides "unchanged" from filename + size + CRC32C alone, and verifies
// the CRC32C of every byte it receives. A stale cached checksum can therefore never corrupt data:
// at worst a file is reported already present while its content changed *without* any change of
// its size, times, inode or device. Two guards keep that from happening:
// - ctime is part of the key: tools that restore an old mtime (cp -p, rsync -t, tar) still move it;
// - the "racy" case: a file modified within the file system's timestamp granularity of being
//   stat'ed could be modified again with the same timestamps. Such a file is never cached: it is
//   hashed again next time (git does the same with its index).
//
// The cache is a best effort: a missing, unreadable or corrupt file is an empty cache, a failed
// write is ignored. Several processes may share it: saving merges with what is on disk.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What identifies one version of a file (from a bigint stat). */
export interface FileStamp {
  /** size, mtime, ctime (ns), inode and device: equal keys mean an untouched file. */
  key: string;
  /** The later of mtime and ctime (ns since the epoch). */
  changedNs: bigint;
  /** Wall clock (ns) taken just before the stat. */
  statStartedNs: bigint;
}

/**
 * Files changed less than this before they were stat'ed are not cached. It covers the coarsest
 * common timestamp granularity (FAT's 2 s; ext4 and others stamp with the kernel's coarse clock)
 * plus slack for that clock lagging the wall clock.
 */
export const RACY_WINDOW_NS = 3_000_000_000n;
/** Entries kept at most (the least recently used go first): ~100 bytes each on disk. */
export const DEFAULT_MAX_ENTRIES = 250_000;
const VERSION = 1;
/** A hit refreshes its entry's use time on disk only when that is older than this (no rewrite per re-run). */
const REFRESH_MS = 24 * 3600 * 1000;

export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

export function stampOf(st: fs.BigIntStats, statStartedNs: bigint): FileStamp {
  // A file system that reports no times (some FUSE and network mounts say 0) cannot show that a
  // file changed: such files count as just changed, so they are never cached.
  const timeless = st.mtimeNs === 0n || st.ctimeNs === 0n;
  const changedNs = timeless ? statStartedNs : st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs;
  return { key: `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}:${st.dev}`, changedNs, statStartedNs };
}

/** The default cache file: $XDG_CACHE_HOME/vireo/checksums.json, else ~/.cache/vireo/checksums.json. */
export function defaultChecksumCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'vireo', 'checksums.json');
}

interface Entry {
  key: string;
  crc: number;
  /** ms since the epoch: least recently used entries are evicted first. */
  usedAt: number;
}

/** On disk: { version, dirs: { "/abs/dir": { "name.jpg": [key, crc, usedAt] } } } (directories spelled once). */
type OnDisk = { version: number; dirs: Record<string, Record<string, [string, number, number]>> };

export interface ChecksumCacheOptions {
  maxEntries?: number | undefined;
}

export class ChecksumCache {
  readonly #entries: Map<string, Entry>;
  /** Paths added, changed or refreshed by this process: what saving writes over the file's current content. */
  readonly #touched = new Set<string>();
  readonly #started = Date.now();
  #hits = 0;

  private constructor(
    readonly file: string,
    entries: Map<string, Entry>,
    readonly maxEntries: number,
  ) {
    this.#entries = entries;
  }

  /** Loads the cache (an unreadable or corrupt file is an empty cache). */
  static async open(file: string, options: ChecksumCacheOptions = {}): Promise<ChecksumCache> {
    return new ChecksumCache(path.resolve(file), await load(file), options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  }

  /** Hits so far. */
  get hits(): number {
    return this.#hits;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The CRC32C recorded for this exact version of the file, if any. */
  get(file: string, stamp: FileStamp): number | undefined {
    const e = this.#entries.get(file);
    if (!e || e.key !== stamp.key) return undefined;
    this.#hits++;
    if (this.#started - e.usedAt > REFRESH_MS) {
      e.usedAt = this.#started;
      this.#touched.add(file);
    }
    return e.crc;
  }

  /** Records a file's CRC32C, unless the file changed too shortly before its stat to be trusted later. */
  set(file: string, stamp: FileStamp, crc: number): boolean {
    if (stamp.statStartedNs - stamp.changedNs < RACY_WINDOW_NS) return false;
    const e = this.#entries.get(file);
    if (e && e.key === stamp.key && e.crc === crc) return true;
    this.#entries.set(file, { key: stamp.key, crc, usedAt: this.#started });
    this.#touched.add(file);
    return true;
  }

  /**
   * Writes the cache when this process changed it: merged over the file's current content (another
   * upload may have saved meanwhile), least recently used entries beyond maxEntries dropped, written
   * to a temporary file (mode 0600) renamed over the old one. Never throws.
   */
  async save(): Promise<void> {
    if (this.#touched.size === 0) return;
    try {
      const merged = await load(this.file);
      for (const p of this.#touched) merged.set(p, this.#entries.get(p)!);
      let kept = [...merged];
      if (kept.length > this.maxEntries) kept = kept.sort((a, b) => b[1].usedAt - a[1].usedAt).slice(0, this.maxEntries);
      const dirs: OnDisk['dirs'] = {};
      for (const [p, e] of kept) (dirs[path.dirname(p)] ??= {})[path.basename(p)] = [e.key, e.crc, e.usedAt];
      const dir = path.dirname(this.file);
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      try {
        // 0600 from the first byte: the list of a user's files is nobody else's business.
        await fs.promises.writeFile(tmp, JSON.stringify({ version: VERSION, dirs } satisfies OnDisk), { mode: 0o600, flag: 'wx' });
        await fs.promises.rename(tmp, this.file);
      } catch (err) {
        await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
        throw err;
      }
      this.#touched.clear();
    } catch {
      // A cache that cannot be written only costs the next upload its hashing.
    }
  }
}

async function load(file: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  let data: unknown;
  try {
    data = JSON.parse(await fs.promises.readFile(file, 'utf8'));
  } catch {
    return out;
  }
  if (typeof data !== 'object' || data === null || (data as Partial<OnDisk>).version !== VERSION) return out;
  const dirs = (data as Partial<OnDisk>).dirs;
  if (typeof dirs !== 'object' || dirs === null) return out;
  for (const [dir, names] of Object.entries(dirs)) {
    if (typeof names !== 'object' || names === null || !path.isAbsolute(dir)) continue;
    for (const [name, e] of Object.entries(names)) {
      // Entries of another shape are skipped, not trusted.
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !Number.isInteger(e[1]) || e[1] < 0 || e[1] > 0xffffffff || typeof e[2] !== 'number') continue;
      out.set(dir.endsWith(path.sep) ? dir + name : dir + path.sep + name, { key: e[0], crc: e[1], usedAt: e[2] });
    }
  }
  return out;
}
