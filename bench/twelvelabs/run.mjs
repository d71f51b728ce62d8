#!/usr/bin/env node
// Direct upload through the TwelveLabs API (`POST /v1.3/assets`, the real twelvelabs-js SDK sending
// an fs stream, i.e. a chunked multipart body) compared with a baseline in the same run: a bare
// Node HTTP server that writes the same request body to the same disk and answers a fixed asset.
// Both are driven by the same SDK call, so the ratio is Vireo's cost of parsing the form,
// hashing (SHA-256 + CRC32C), sniffing, storing the blob and committing the asset.
// Options: --mb=<size of the file, default 150> --runs=<default 3>
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { TwelvelabsApiClient } from 'twelvelabs-js';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const MB = arg('mb', 150);
const RUNS = arg('runs', 3);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const { loadConfig, startServer } = await import(path.join(root, 'packages/server/dist/index.js'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-bench-tl-'));
const file = path.join(dir, 'clip.mp4');
{
  // A real MP4 header (so the content sniffs as video) followed by incompressible padding.
  const head = fs.readFileSync(path.join(root, 'packages/server/test/fixtures/media/video.mp4'));
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, head);
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < MB; i++) {
    for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, j);
    fs.writeSync(out, block);
  }
  fs.closeSync(out);
}
const bytes = fs.statSync(file).size;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

async function timeUploads(baseUrl, apiKey) {
  const client = new TwelvelabsApiClient({ apiKey, baseUrl });
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await client.assets.create({ method: 'direct', file: fs.createReadStream(file) });
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

// Baseline: write the body to disk, answer a fixed asset.
const baseline = http.createServer((req, res) => {
  const out = fs.createWriteStream(path.join(dir, `baseline-${Date.now()}.bin`));
  req.pipe(out);
  out.on('finish', () => {
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"_id":"x","status":"processing"}');
  });
});
await new Promise((r) => baseline.listen(0, '127.0.0.1', r));
const baselineMs = await timeUploads(`http://127.0.0.1:${baseline.address().port}/v1.3`, 'k');
baseline.close();

const rssBefore = process.memoryUsage().rss;
peakRss = rssBefore;
const server = await startServer(
  loadConfig({
    PORT: '0',
    VIREO_DATA_DIR: path.join(dir, 'vireo'),
    VIREO_LOG_LEVEL: 'silent',
    VIREO_TL_DIRECT_MAX_BYTES: String(bytes + 1024 * 1024),
  }),
);
const key = server.bootstrap.credentials.secretKey;
peakRss = process.memoryUsage().rss;
const rssServerIdle = peakRss;
const vireoMs = await timeUploads(`${server.url}/v1.3`, key);
clearInterval(sampler);
await server.close();
fs.rmSync(dir, { recursive: true, force: true });

const mbps = (ms) => ((bytes / 1024 / 1024) / (ms / 1000)).toFixed(0);
console.log(`file: ${(bytes / 1024 / 1024).toFixed(0)} MiB, median of ${RUNS} uploads each, one process (client + server)`);
console.log(`baseline (body piped to disk): ${baselineMs.toFixed(0)} ms  ${mbps(baselineMs)} MiB/s`);
console.log(`vireo POST /v1.3/assets:       ${vireoMs.toFixed(0)} ms  ${mbps(vireoMs)} MiB/s  (${(vireoMs / baselineMs).toFixed(2)}× the baseline time)`);
console.log(`peak RSS during Vireo uploads: +${((peakRss - rssServerIdle) / 1024 / 1024).toFixed(0)} MiB over the idle server (the file is ${(bytes / 1024 / 1024).toFixed(0)} MiB: it is streamed, not buffered)`);
