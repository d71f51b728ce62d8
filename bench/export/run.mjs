#!/usr/bin/env node
// Dataset export benchmark (issue 5 item 9).
//
// 1. Speed: 2,000 real JPEGs of ~100 KB are ingested through the Vi protocol into a `vireo serve`
//    process; then a ViFull export is timed from POST to Finished to the whole archive downloaded
//    on disk by `curl -o` (a plain HTTP download: the client's own overhead is not the server's).
//    Baseline in the same run: `zip -0 -r` of the same files (STORE, like the export).
//    Prints the ratio (target <= 1.5). One untimed export first (JIT, lazily compiled serializers:
//    one-time costs are not throughput), then each side runs --reps times, alternating; the fastest
//    run of each side counts (the median ratio is printed too).
//    Then what a user of the SDK runs: `client.datasets.download` (export, ranged GETs, extraction
//    into a folder), against `zip -0 -r` followed by `unzip` of the same files.
// 2. Memory: 10,000 small images are ingested into another dataset; the server's RSS is sampled
//    (from /proc) before and during a ViFull export of them; prints the peak.
//
// Flags: --images=N (default 2000) --size=BYTES (default 100000) --many=N (default 10000) --reps=N (default 3)
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import sharp from 'sharp';

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};
const IMAGES = arg('images', 2000);
const SIZE = arg('size', 100_000);
const MANY = arg('many', 10_000);
const REPS = arg('reps', 3);

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI = path.join(repo, 'packages/cli/dist/main.js');
const SDK = path.join(repo, 'packages/sdk/dist/node/index.js');

function ensureZip() {
  const have = (tool) => spawnSync(tool, ['-v'], { stdio: 'ignore' }).status === 0;
  if (have('zip') && have('unzip') && spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0) return;
  console.log('installing zip, unzip and curl (Debian packages) for the baseline and the download...');
  spawnSync('apt-get', ['install', '-y', '-q', 'zip', 'unzip', 'curl'], { stdio: 'inherit' });
  if (!have('zip') || !have('unzip')) throw new Error('`zip` and `unzip` are needed for the baseline: apt-get install zip unzip curl');
}

/** Noise JPEGs of about `size` bytes, each made distinct by a JPEG comment segment. */
async function writeImages(dir, count, size, prefix) {
  fs.mkdirSync(dir, { recursive: true });
  const templates = [];
  for (let t = 0; t < 8; t++) {
    const side = Math.max(8, Math.round(Math.sqrt(size / 0.83) * (0.95 + 0.0125 * t)));
    const raw = crypto.randomBytes(side * side * 3);
    templates.push(await sharp(raw, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
  }
  const files = [];
  for (let i = 0; i < count; i++) {
    const tpl = templates[i % templates.length];
    const tag = Buffer.from(`vireo export bench ${prefix} ${i} ${crypto.randomBytes(6).toString('hex')}`);
    const com = Buffer.alloc(4);
    com.writeUInt16BE(0xfffe, 0);
    com.writeUInt16BE(tag.length + 2, 2);
    const bytes = Buffer.concat([tpl.subarray(0, 2), com, tag, tpl.subarray(2)]);
    const name = `${prefix}-${String(i).padStart(6, '0')}.jpg`;
    fs.writeFileSync(path.join(dir, name), bytes);
    files.push({ name, bytes: bytes.length, crc: crc32c(bytes) | 0, path: path.join(dir, name) });
  }
  return files;
}

async function startServer(tmp) {
  const dataDir = path.join(tmp, 'data');
  const log = path.join(tmp, 'server.log');
  const fd = fs.openSync(log, 'w');
  // BENCH_SERVER_NODE_FLAGS: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const flags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, VIREO_JOB_POLL_MS: '50' },
  });
  fs.closeSync(fd);
  const deadline = Date.now() + 60_000;
  let url;
  while (!url) {
    const m = /is running at (http:\/\/\S+)/.exec(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
    if (m) url = m[1];
    else if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${fs.readFileSync(log, 'utf8')}`);
    else await new Promise((r) => setTimeout(r, 50));
  }
  const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'));
  const headers = { authorization: `Bearer ${creds.secretKey}`, 'organization-id': creds.organizationId, 'content-type': 'application/json' };
  const api = async (method, p, body) => {
    const res = await fetch(new URL(p, url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return { child, url, org: creds.organizationId, secretKey: creds.secretKey, api };
}

async function ingest(server, ds, files) {
  const base = `/workspaces/${server.org}/datasets/${ds}/assetSources/managed/datature/transient/assetIngestionSessions`;
  for (let i = 0; i < files.length; i += 5000) {
    const batch = files.slice(i, i + 5000);
    const session = await server.api('POST', base, {
      spec: {
        kind: 'Upload',
        failureMode: 'FailAfterAll',
        onAssetOverwritten: 'RemoveLinkedResource',
        assets: batch.map((f) => ({ filename: f.name, mime: 'image/jpeg', size: f.bytes, crc32c: f.crc, kind: 'Image', customMetadata: null })),
      },
    });
    const byName = new Map(batch.map((f) => [f.name, f]));
    const queue = [...session.status.assets];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let a = queue.shift(); a; a = queue.shift()) {
          const f = byName.get(a.metadata.filename);
          const res = await fetch(a.upload.url, { method: 'PUT', headers: a.upload.headers ?? {}, body: fs.readFileSync(f.path) });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`PUT ${f.name}: ${res.status}`);
        }
      }),
    );
    for (;;) {
      const s = await server.api('GET', `${base}/${session.assetIngestionSessionId}`);
      if (s.status.conditions.some((c) => c.condition === 'Finished' && c.status === 'Reached')) {
        if (s.status.progressCount.errored > 0) throw new Error(`${s.status.progressCount.errored} files failed to ingest`);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** POST → Finished → archive on disk; returns seconds and the archive size. */
async function timedExport(server, ds, out) {
  const t0 = performance.now();
  const base = `/workspaces/${server.org}/datasets/${ds}/datasetExports`;
  const created = await server.api('POST', base, { spec: { format: 'ViFull', options: { normalized: true, splitRatio: null } } });
  let exp;
  for (;;) {
    exp = await server.api('GET', `${base}/${created.datasetExportId}`);
    const finished = exp.status.conditions.find((c) => c.condition === 'Finished');
    if (finished.status === 'FailedReach') throw new Error(`export failed: ${finished.message}`);
    if (finished.status === 'Reached') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const tReady = performance.now();
  // Not spawnSync: the RSS sampler (a timer in this process) keeps running during the download.
  await run('curl', ['-s', '-f', '-o', out, exp.status.downloadUrl.url]);
  const t1 = performance.now();
  return { seconds: (t1 - t0) / 1000, buildSeconds: (tReady - t0) / 1000, bytes: fs.statSync(out).size };
}

function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...options });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args[0]} exited with ${code}`))));
  });
}

/** The SDK's `client.datasets.download` (export, wait, ranged GETs, extraction): seconds. */
async function timedSdkDownload(server, ds, saveDir) {
  const { Client } = await import(SDK);
  const client = new Client({ secretKey: server.secretKey, organizationId: server.org, endpoint: server.url });
  fs.rmSync(saveDir, { recursive: true, force: true });
  const t0 = performance.now();
  const result = await client.datasets.download({ datasetId: ds, saveDir, showProgress: false });
  const seconds = (performance.now() - t0) / 1000;
  if (result.assetsCount !== IMAGES) throw new Error(`the SDK download holds ${result.assetsCount} images, not ${IMAGES}`);
  fs.rmSync(saveDir, { recursive: true, force: true });
  return seconds;
}

/** `zip -0 -r` then `unzip` of that archive into a fresh folder: the like-for-like baseline of the SDK's download. */
function timedZipUnzip(cwd, out, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  const t0 = performance.now();
  timedZip(cwd, out);
  const r = spawnSync('unzip', ['-q', out, '-d', dir], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('unzip failed');
  const seconds = (performance.now() - t0) / 1000;
  fs.rmSync(dir, { recursive: true, force: true });
  return seconds;
}

function timedZip(cwd, out) {
  fs.rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync('zip', ['-0', '-r', '-q', out, 'images'], { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('zip failed');
  return { seconds: (performance.now() - t0) / 1000, bytes: fs.statSync(out).size };
}

const rssKb = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
};

/** Samples the process's RSS every 20 ms while `fn` runs; returns [result, peak MiB]. */
async function withPeakRss(pid, fn) {
  let peak = rssKb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 20);
  try {
    const result = await fn();
    peak = Math.max(peak, rssKb(pid));
    return [result, peak / 1024];
  } finally {
    clearInterval(timer);
  }
}

const mb = (b) => (b / 1024 / 1024).toFixed(1);

async function main() {
  ensureZip();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-export-bench-'));
  let server;
  try {
    console.log(`generating ${IMAGES} JPEGs of ~${SIZE} bytes and ${MANY} small ones...`);
    const big = await writeImages(path.join(tmp, 'big', 'images'), IMAGES, SIZE, 'img');
    const small = await writeImages(path.join(tmp, 'small', 'images'), MANY, 1500, 'small');
    const totalBytes = big.reduce((s, f) => s + f.bytes, 0);

    server = await startServer(tmp);
    const dsBig = (await server.api('POST', `/workspaces/${server.org}/datasets`, { name: 'export-bench' })).datasetId;
    const dsMany = (await server.api('POST', `/workspaces/${server.org}/datasets`, { name: 'export-bench-many' })).datasetId;
    console.log('ingesting through the Vi protocol...');
    await ingest(server, dsBig, big);
    await ingest(server, dsMany, small);

    const runs = [];
    const zips = [];
    let peakBig = 0;
    await timedExport(server, dsBig, path.join(tmp, 'warm-up.zip'));
    fs.rmSync(path.join(tmp, 'warm-up.zip'), { force: true });
    for (let i = 0; i < REPS; i++) {
      const [r, peak] = await withPeakRss(server.child.pid, () => timedExport(server, dsBig, path.join(tmp, `export-${i}.zip`)));
      runs.push(r);
      peakBig = Math.max(peakBig, peak);
      zips.push(timedZip(path.join(tmp, 'big'), path.join(tmp, `baseline-${i}.zip`)));
      fs.rmSync(path.join(tmp, `export-${i}.zip`), { force: true });
    }
    const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const base = zips.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

    const sdkRuns = [];
    const unzips = [];
    for (let i = 0; i < 2; i++) {
      sdkRuns.push(await timedSdkDownload(server, dsBig, path.join(tmp, 'sdk-download')));
      unzips.push(timedZipUnzip(path.join(tmp, 'big'), path.join(tmp, `baseline-u${i}.zip`), path.join(tmp, 'unzipped')));
    }
    const sdkBest = Math.min(...sdkRuns);
    const unzipBest = Math.min(...unzips);

    const before = rssKb(server.child.pid) / 1024;
    const [many, peakMany] = await withPeakRss(server.child.pid, () => timedExport(server, dsMany, path.join(tmp, 'export-many.zip')));

    console.log(`\nViFull export of ${IMAGES} JPEGs (${mb(totalBytes)} MiB), SQLite, fs blobs, ${os.cpus().length} cores`);
    console.table({
      'vireo export (POST -> Finished -> downloaded)': { seconds: best.seconds.toFixed(2), 'archive MiB': mb(best.bytes), 'build s': best.buildSeconds.toFixed(2) },
      'zip -0 -r (baseline)': { seconds: base.seconds.toFixed(2), 'archive MiB': mb(base.bytes), 'build s': '-' },
    });
    console.log(`runs: vireo ${runs.map((r) => r.seconds.toFixed(2)).join(', ')} s; zip ${zips.map((z) => z.seconds.toFixed(2)).join(', ')} s`);
    console.log(`ratio vireo / zip -0: ${(best.seconds / base.seconds).toFixed(2)} (target <= 1.5); of the medians: ${(median(runs.map((r) => r.seconds)) / median(zips.map((z) => z.seconds))).toFixed(2)}`);
    console.log(`vireo download after Finished (curl -o): ${runs.map((r) => (r.seconds - r.buildSeconds).toFixed(2)).join(', ')} s`);
    console.log(
      `SDK client.datasets.download (export, download, extract): ${sdkRuns.map((s) => s.toFixed(2)).join(', ')} s; ` +
        `zip -0 -r then unzip: ${unzips.map((s) => s.toFixed(2)).join(', ')} s; ratio ${(sdkBest / unzipBest).toFixed(2)}`,
    );
    console.log(`server peak RSS during the ${IMAGES}-image exports: ${peakBig.toFixed(0)} MiB`);
    console.log(
      `server RSS before the ${MANY}-asset export: ${before.toFixed(0)} MiB; peak during it: ${peakMany.toFixed(0)} MiB ` +
        `(export took ${many.seconds.toFixed(2)} s, archive ${mb(many.bytes)} MiB)`,
    );
  } finally {
    if (server) {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
