// @vireo/sdk's upload engine (`client.assets.upload({ datasetId, paths })`, Node entry) against
// a fresh Vireo server: files/s of the first upload, then the same call again on the finished
// dataset (nothing new to send: the server settles every file at session creation) and the time
// of that re-run as a share of the first (target ≤ 5%). The re-run finds every checksum in the
// SDK's checksum cache (filled by the first upload); a third call without the cache (every file
// read and hashed again) is reported beside it as the cold re-run.
import fs from 'node:fs';
import path from 'node:path';
import { cpuSeconds, cpuSince } from '../procs.mjs';
import { serverFigures, startVireo, stopVireo } from './vireo.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const ENTRY = path.join(repo, 'packages/sdk/dist/node/index.js');

export const sdk = {
  name: 'sdk',
  describe: '@vireo/sdk client.assets.upload({ datasetId, paths: folder }) with its defaults (16 PUTs in flight), then a re-run',

  available: async () => fs.existsSync(ENTRY),

  start: (opts) => startVireo(opts),

  async warmUp(inst, files, opts) {
    const { Client } = await import(ENTRY);
    const client = new Client({ secretKey: inst.auth.authorization.slice('Bearer '.length), organizationId: inst.org, endpoint: inst.url });
    const dataset = await client.datasets.create({ name: 'bench-sdk-warm-up' });
    await client.assets.upload({ datasetId: dataset.datasetId, paths: path.dirname(files[0].path), showProgress: false, failureMode: 'FailAfterAll', concurrency: opts.concurrency, checksumCache: false });
  },

  async run(inst, files, opts) {
    const { Client } = await import(ENTRY);
    const client = new Client({ secretKey: inst.auth.authorization.slice('Bearer '.length), organizationId: inst.org, endpoint: inst.url });
    const dataset = await client.datasets.create({ name: `bench-sdk-${Date.now()}` });
    const datasetId = dataset.datasetId;
    const folder = path.dirname(files[0].path);
    // Marks when each step of the upload completed (from the SDK's progress callbacks).
    let marks;
    const onProgress = (p) => {
      const now = performance.now();
      if (p.hashedFiles === files.length) marks.hashed ??= now;
      if (p.sessionsCreated > 0) marks.created ??= now;
      if (p.sentFiles > 0) marks.sent ??= now;
    };
    // A cache file of this run's own (not the user's), empty before the first upload.
    const checksumCache = path.join(path.dirname(folder), `sdk-checksums-${Date.now()}.json`);
    const upload = (cache = checksumCache) => {
      marks = {};
      return client.assets.upload({ datasetId, paths: folder, showProgress: false, failureMode: 'FailAfterAll', concurrency: opts.concurrency, onProgress, checksumCache: cache });
    };

    const cpu0 = cpuSeconds(inst.child.pid);
    let t0 = performance.now();
    const first = await upload();
    const ms = performance.now() - t0;
    // The first upload's first file accepted: hashing the rest overlaps with sending from then on.
    const firstSentMs = marks.sent - t0;
    const firstHashedMs = marks.hashed - t0;
    const serverCpu = cpuSince(inst.child.pid, cpu0);
    if (first.totalSucceeded !== files.length) throw new Error(`sdk upload: ${first.totalSucceeded} of ${files.length} succeeded\n${first.summary()}`);

    t0 = performance.now();
    const cpu1 = cpuSeconds(inst.child.pid);
    const again = await upload();
    const rerunMs = performance.now() - t0;
    const rerunCpu = cpuSince(inst.child.pid, cpu1);
    const steps = { hashed: marks.hashed - t0, created: marks.created - marks.hashed, finished: t0 + rerunMs - marks.created };
    if (again.alreadyPresent !== files.length) throw new Error(`sdk re-run: ${again.alreadyPresent} of ${files.length} already present\n${again.summary()}`);

    t0 = performance.now();
    const cold = await upload(false);
    const coldMs = performance.now() - t0;
    const coldHashMs = marks.hashed - t0;
    if (cold.alreadyPresent !== files.length) throw new Error(`sdk cold re-run: ${cold.alreadyPresent} of ${files.length} already present\n${cold.summary()}`);
    fs.rmSync(checksumCache, { force: true });
    return {
      ms,
      latencies: [],
      serverCpu,
      rerunMs,
      coldRerunMs: coldMs,
      details: await serverFigures(inst),
      extra: {
        'first upload: first file accepted after ms': `${Math.round(firstSentMs)} (every file hashed after ${Math.round(firstHashedMs)})`,
        're-run ms': `${Math.round(rerunMs)} (scan+checksums ${Math.round(steps.hashed)}, ${again.checksumsFromCache} of them cached; session ${Math.round(steps.created)}, until Finished ${Math.round(steps.finished)}; server CPU ${Math.round((rerunCpu.user + rerunCpu.system) * 1000)})`,
        're-run/first': `${((rerunMs / ms) * 100).toFixed(1)}%`,
        'cold re-run (no cache) ms': `${Math.round(coldMs)} (scan+hash ${Math.round(coldHashMs)}), ${((coldMs / ms) * 100).toFixed(1)}% of the first`,
      },
    };
  },

  stop: (inst, opts) => stopVireo(inst, opts),

  summarize(results, median) {
    const share = median(results.map((r) => r.rerunMs / r.ms));
    const cold = median(results.map((r) => r.coldRerunMs / r.ms));
    console.log(`         re-run of the finished upload: median ${(share * 100).toFixed(1)}% of the first upload's time (target ≤ 5%: ${share <= 0.05 ? 'met' : 'NOT met'}); without the checksum cache ${(cold * 100).toFixed(1)}%`);
  },
};
