#!/usr/bin/env node
// TwelveLabs multipart upload throughput, against baselines measured in the same run on the same
// machine: a plain file copy (the disk), and a direct upload of the same file through the same
// server (one streamed request). Multipart is timed from create to `ready` (chunk PUTs, reports,
// assembly into staging, promotion, probing) with the real twelvelabs-js `uploadFile`.
// Usage: npm run bench -- tl-multipart   (VIREO_BENCH_MB=256 for a larger file)
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TwelveLabs, TwelvelabsApiClient } from 'twelvelabs-js';
import { loadConfig, startServer } from '../../packages/server/dist/index.js';

const MB = Number(process.env.VIREO_BENCH_MB ?? 128);
const here = path.dirname(new URL(import.meta.url).pathname);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-bench-multipart-'));

// A valid MP4 (the test fixture) padded with a `free` box to the wanted size.
const mp4 = fs.readFileSync(path.join(here, '../../packages/server/test/fixtures/media/video.mp4'));
const file = path.join(dir, 'big.mp4');
{
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, mp4);
  const padding = MB * 1024 * 1024 - mp4.length - 8;
  const head = Buffer.alloc(8);
  head.writeUInt32BE(padding + 8, 0);
  head.write('free', 4);
  fs.writeSync(fd, head);
  const block = crypto.randomBytes(4 * 1024 * 1024);
  for (let left = padding; left > 0; left -= block.length) fs.writeSync(fd, block, 0, Math.min(block.length, left));
  fs.closeSync(fd);
}
const size = fs.statSync(file).size;

const server = await startServer(
  loadConfig({
    PORT: '0',
    VIREO_DATA_DIR: path.join(dir, 'data'),
    VIREO_LOG_LEVEL: 'silent',
    VIREO_JOB_POLL_MS: '50',
    VIREO_TL_DIRECT_MAX_BYTES: String(size + 1),
  }),
);
const { secretKey } = server.bootstrap.credentials;
const client = new TwelvelabsApiClient({ apiKey: secretKey, baseUrl: `${server.url}/v1.3`, timeoutInSeconds: 3600 });
const ready = async (id) => {
  for (;;) {
    const a = await client.assets.retrieve(id);
    if (a.status !== 'processing') return a;
    await new Promise((r) => setTimeout(r, 20));
  }
};
const time = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

try {
  const copy = await time(() => fs.promises.copyFile(file, path.join(dir, 'copy.mp4')));
  fs.rmSync(path.join(dir, 'copy.mp4'));
  const direct = await time(async () => {
    const a = await client.assets.create({ method: 'direct', file: fs.createReadStream(file), filename: 'direct.mp4' });
    const done = await ready(a.id);
    if (done.status !== 'ready') throw new Error(`direct upload ended ${done.status}: ${done.error?.message}`);
  });
  process.env.TWELVELABS_BASE_URL = `${server.url}/v1.3`;
  const tl = new TwelveLabs({ apiKey: secretKey });
  const log = console.log;
  console.log = () => undefined; // uploadFile prints progress lines
  let chunks = 0;
  let uploaded = 0;
  const multipart = await time(async () => {
    let r;
    uploaded = await time(async () => {
      r = await tl.multipartUpload.uploadFile(file, { filename: 'multipart.mp4', fileType: 'video', progressCallback: (p) => (chunks = p.totalChunks) });
    });
    const done = await ready(r.assetId);
    if (done.status !== 'ready') throw new Error(`multipart upload ended ${done.status}: ${done.error?.message}`);
  }).finally(() => (console.log = log));
  const rate = (s) => `${(MB / s).toFixed(0)} MiB/s`;
  console.log(`file: ${MB} MiB MP4, ${chunks} chunks of 16 MiB; SQLite; one process; ${os.cpus().length} cores`);
  console.log(`baseline file copy:          ${copy.toFixed(2)} s  ${rate(copy)}`);
  console.log(`baseline direct upload:      ${direct.toFixed(2)} s  ${rate(direct)}  (create → ready)`);
  console.log(`multipart (SDK uploadFile):  ${multipart.toFixed(2)} s  ${rate(multipart)}  (create → ready; chunks sent and reported in ${uploaded.toFixed(2)} s, assembly + probing ${(multipart - uploaded).toFixed(2)} s)`);
  console.log(`multipart / direct: ${(multipart / direct).toFixed(2)}x the time; multipart / copy: ${(multipart / copy).toFixed(2)}x`);
} finally {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
