#!/usr/bin/env node
// bench/annotations: an annotation import of many JSON Lines (§6.4 phrase grounding) through the Vi
// flow (session, files, signed PUT, PATCH FilesInserted, poll), beside a baseline in the same run:
// the same file read line by line, JSON.parse'd, and its rows inserted with prepared statements in
// one transaction into a bare SQLite table of the same shape and indexes (no HTTP, no validation,
// no staging) — the floor for "parse and store". Also reports the server's peak RSS (VmHWM).
//
//   npm run bench -- annotations [--lines=100000] [--assets=100]
//   node bench/annotations/run.mjs …   (after `npm run build`)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { crc32c } from '@node-rs/crc32';
import SQLite from 'better-sqlite3';
import sharp from 'sharp';
import { stopProcess } from '../upload/procs.mjs';
import { startVireo } from '../upload/contenders/vireo.mjs';

const args = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')));
const LINES = Number(args.lines ?? 100_000);
const ASSETS = Number(args.assets ?? 100);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-bench-annotations-'));

const line = (i) => ({
  id: `l${i}`,
  asset: { type: 'Image', filename: `img${i % ASSETS}.png`, height: 24, width: 32 },
  contents: {
    type: 'PhraseGrounding',
    caption: `a thing number ${i} on a mat`,
    groundedPhrases: [{ phrase: 'a thing', startTokenIndex: 0, endTokenIndex: 2, bounds: [[0.1, 0.2, 0.5, 0.7]] }],
  },
});
const file = path.join(tmp, 'annotations.jsonl');
{
  const out = fs.createWriteStream(file);
  for (let i = 0; i < LINES; i++) if (!out.write(JSON.stringify(line(i)) + '\n')) await new Promise((r) => out.once('drain', r));
  await new Promise((r) => out.end(r));
}
const bytes = fs.statSync(file).size;

async function vireo() {
  const v = await startVireo({ tmp });
  try {
    const api = async (method, p, body) => {
      const r = await fetch(`${v.url}${p}`, { method, headers: { ...v.auth, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
      const text = await r.text();
      if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${text}`);
      return JSON.parse(text);
    };
    const ds = (await api('POST', `/workspaces/${v.org}/datasets`, { name: 'bench' })).datasetId;
    const images = [];
    for (let i = 0; i < ASSETS; i++) {
      const raw = Buffer.alloc(32 * 24 * 3, i % 256);
      raw[1] = i >> 8;
      images.push({ filename: `img${i}.png`, bytes: await sharp(raw, { raw: { width: 32, height: 24, channels: 3 } }).png().toBuffer() });
    }
    const ingest = `/workspaces/${v.org}/datasets/${ds}/assetSources/managed/datature/transient/assetIngestionSessions`;
    const session = await api('POST', ingest, {
      spec: { kind: 'Upload', failureMode: 'FailAfterAll', onAssetOverwritten: 'RemoveLinkedResource', assets: images.map((f) => ({ filename: f.filename, mime: 'image/png', size: f.bytes.length, crc32c: crc32c(f.bytes) | 0, kind: 'Image' })) },
    });
    for (const a of session.status.assets) await fetch(a.upload.url, { method: 'PUT', headers: a.upload.headers, body: images.find((f) => f.filename === a.metadata.filename).bytes });
    const rssBefore = vmKb(v.child.pid, 'VmRSS');

    const t0 = performance.now();
    const base = `/workspaces/${v.org}/datasets/${ds}/annotationImportSessions`;
    const s = await api('POST', base, { spec: { uploadBefore: Date.now() + 3600_000, failurePolicies: { onBadAnnotation: 'RejectSession', onBadFile: 'RejectSession', onOverwritten: 'RejectSession' } } });
    const id = s.annotationImportSessionId;
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((await fileCrc(file)) >>> 0);
    const files = await api('POST', `${base}/${id}/files`, { files: { 'annotations.jsonl': { sizeBytes: bytes, crc32c: crc.toString('base64'), kind: 'Unknown' } } });
    const up = files.files['annotations.jsonl'];
    const put = await fetch(up.url, { method: 'PUT', headers: { ...up.headers, 'content-length': String(bytes) }, body: fs.createReadStream(file), duplex: 'half' });
    if (put.status !== 200) throw new Error(`PUT failed: ${put.status} ${await put.text()}`);
    const t1 = performance.now();
    await api('PATCH', `${base}/${id}/status`, { status: { conditions: [{ condition: 'FilesInserted', status: 'Reached', lastTransitionTime: Date.now() }] } });
    let g;
    do {
      await new Promise((r) => setTimeout(r, 50));
      g = await api('GET', `${base}/${id}`);
    } while (!g.status.conditions.some((c) => c.condition === 'Complete' && c.status !== 'Waiting'));
    const t2 = performance.now();
    const ok = g.status.conditions.every((c) => c.status === 'Reached');
    if (!ok) throw new Error(`import failed: ${JSON.stringify(g.status)}`);
    return { uploadMs: t1 - t0, importMs: t2 - t1, imported: g.status.annotations.statusCount.Imported, rssBeforeMb: rssBefore / 1024, peakMb: vmKb(v.child.pid, 'VmHWM') / 1024 };
  } finally {
    await stopProcess(v.child);
  }
}

async function baseline() {
  const db = new SQLite(path.join(tmp, 'baseline.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table annotations (id text primary key, dataset_id text not null, asset_id text not null, group_id text not null, kind text not null,
           tag text, contents text not null, created_at bigint not null, updated_at bigint not null, generation integer not null default 1);
           create index by_asset on annotations (asset_id, id); create index by_dataset on annotations (dataset_id, tag);
           create index by_group on annotations (dataset_id, group_id);`);
  const insert = db.prepare('insert into annotations values (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)');
  const t0 = performance.now();
  const now = Date.now();
  let n = 0;
  db.exec('begin');
  for await (const text of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
    if (text === '') continue;
    const l = JSON.parse(text);
    const asset = `a-${l.asset.filename}`;
    insert.run(crypto.randomUUID(), 'ds', asset, l.id, 'Caption', null, JSON.stringify({ caption: l.contents.caption }), now, now);
    for (const [pi, p] of l.contents.groundedPhrases.entries()) {
      for (const [bi, b] of p.bounds.entries()) {
        const c = { phrase: p.phrase, target: [p.startTokenIndex, p.endTokenIndex], bbox: b, phraseIndex: pi, boxIndex: bi };
        insert.run(crypto.randomUUID(), 'ds', asset, l.id, 'PhraseGroundingBoundingBox', p.phrase, JSON.stringify(c), now, now);
        n++;
      }
    }
    n++;
  }
  db.exec('commit');
  const ms = performance.now() - t0;
  db.close();
  return { ms, rows: n };
}

function vmKb(pid, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function fileCrc(p) {
  let c = 0;
  for await (const chunk of fs.createReadStream(p)) c = crc32c(chunk, c);
  return c;
}

try {
  console.log(`${LINES} lines (${(bytes / 1e6).toFixed(1)} MB JSON Lines), ${ASSETS} assets, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
  const base = await baseline();
  console.log(`baseline  parse + insert ${base.rows} rows in one SQLite transaction: ${base.ms.toFixed(0)} ms (${Math.round(LINES / (base.ms / 1000))} lines/s)`);
  const v = await vireo();
  console.log(`vireo     upload ${v.uploadMs.toFixed(0)} ms; import ${v.imported} parts in ${v.importMs.toFixed(0)} ms (${Math.round(LINES / (v.importMs / 1000))} lines/s)`);
  console.log(`          server RSS before ${v.rssBeforeMb.toFixed(0)} MB, peak ${v.peakMb.toFixed(0)} MB`);
  console.log(`ratio     vireo import / baseline = ${(v.importMs / base.ms).toFixed(2)}`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
