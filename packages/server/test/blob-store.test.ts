// The local-disk blob store on a real temporary directory: its layout, moving blobs stored by
// earlier versions, and promotion repeated by a retried transaction.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blobRelativePath, FsBlobStore } from '../src/blobs/fs.js';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

async function readAll(store: FsBlobStore, sha: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of store.stream(sha)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('FsBlobStore', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-blobstore-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps blobs two levels deep by their first two hex digits, directories made up front', async () => {
    const store = new FsBlobStore(root);
    expect(fs.readdirSync(path.join(root, 'blobs')).sort()).toEqual([...'0123456789abcdef']);
    expect(fs.readdirSync(path.join(root, 'blobs', 'a')).length).toBe(16);
    const bytes = crypto.randomBytes(5000);
    const staged = await store.stage(Readable.from([bytes]), { maxBytes: 1 << 20 });
    await store.promote(staged.key, staged.sha256);
    const sha = sha256(bytes);
    expect(blobRelativePath(sha)).toBe(path.join(sha[0]!, sha[1]!, sha));
    expect(fs.readFileSync(path.join(root, 'blobs', blobRelativePath(sha)))).toEqual(bytes);
  });

  it('moves blobs of the earlier ab/cd/ layout into the current one when it opens', async () => {
    const old = [crypto.randomBytes(100), crypto.randomBytes(200)];
    for (const b of old) {
      const sha = sha256(b);
      const dir = path.join(root, 'blobs', sha.slice(0, 2), sha.slice(2, 4));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, sha), b);
    }
    const store = new FsBlobStore(root);
    for (const b of old) {
      expect(await store.exists(sha256(b))).toBe(true);
      expect(await readAll(store, sha256(b))).toEqual(b);
    }
    expect(fs.readdirSync(path.join(root, 'blobs')).filter((n) => n.length === 2)).toEqual([]);
  });

  it('a repeated promotion of the same staged object is a no-op; a fan-out directory removed by hand is made again', async () => {
    const store = new FsBlobStore(root);
    const bytes = crypto.randomBytes(3000);
    const staged = await store.stage(Readable.from([bytes]), { maxBytes: 1 << 20 });
    await store.promote(staged.key, staged.sha256);
    await store.promote(staged.key, staged.sha256);
    expect(await readAll(store, staged.sha256)).toEqual(bytes);

    const other = crypto.randomBytes(3000);
    const sha = sha256(other);
    fs.rmSync(path.join(root, 'blobs', sha[0]!, sha[1]!), { recursive: true });
    const again = await store.stage(Readable.from([other]), { maxBytes: 1 << 20 });
    await store.promote(again.key, again.sha256);
    expect(await readAll(store, sha)).toEqual(other);
  });
});
