#!/usr/bin/env node
// bench/upload: files/s of uploading many ~100 KB images to Vireo through the Vi flow, beside an
// nginx WebDAV PUT baseline of the same files with the same client, in the same run.
//
//   npm run bench -- upload [--files=2000] [--kb=100] [--reps=3] [--concurrency=16] [--warmup=64]
//                           [--only=nginx,vireo] [--database=postgres] [--cpu-prof] [--nginx-workers=auto]
//   node bench/upload/run.mjs …   (after `npm run build`)
// Diagnostics: --cpu-prof, --perf, --sql-timing, --server-node-flags='--trace-deopt', --keep, --nginx-fanout
//
// Every contender gets a fresh server (fresh data directory / WebDAV root) per repetition; the
// order of the contenders rotates between repetitions so slow drift of the machine hits all alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { percentile } from './client.mjs';
import { floor } from './contenders/floor.mjs';
import { nginx } from './contenders/nginx.mjs';
import { vireo } from './contenders/vireo.mjs';
import { generateImages } from './files.mjs';
import { postgresDatabase } from './postgres.mjs';

// A contender: { name, describe, start(opts) → instance, run(instance, files, opts) → { ms,
// latencies, serverCpu, details, extra? }, stop(instance) }. The first is the baseline.
const CONTENDERS = [nginx, vireo, floor];
try {
  // The SDK's upload engine, when the SDK is built (see contenders/sdk.mjs).
  const { sdk } = await import('./contenders/sdk.mjs');
  if (await sdk.available()) CONTENDERS.push(sdk);
} catch (err) {
  if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
}

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const at = a.indexOf('=');
      return at < 0 ? [a.slice(2), 'true'] : [a.slice(2, at), a.slice(at + 1)];
    }),
);
const opts = {
  files: Number(args.files ?? 2000),
  kb: Number(args.kb ?? 100),
  reps: Number(args.reps ?? 3),
  concurrency: Number(args.concurrency ?? 16),
  sessionFiles: Number(args['session-files'] ?? 10_000),
  warmup: Number(args.warmup ?? 64),
  nginxFanout: args['nginx-fanout'] === 'true',
  workers: args['nginx-workers'] ?? 'auto',
  processes: args.processes ?? '1',
  only: args.only ? args.only.split(',') : undefined,
  database: args.database ?? 'sqlite',
  cpuProf: args['cpu-prof'] === 'true',
  sqlTiming: args['sql-timing'] === 'true',
  perf: args.perf === 'true',
  serverNodeFlags: args['server-node-flags'] ? args['server-node-flags'].split(' ') : [],
  keep: args.keep === 'true',
};
// Opt-in contenders (diagnostics) run only when named in --only.
const contenders = CONTENDERS.filter((c) => (opts.only ? opts.only.includes(c.name) : !c.optIn));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-bench-upload-'));
const profDir = path.resolve('bench-profiles');
try {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load ${loadavg()}`);
  console.log(`disk: ${tmp} — ${createCost(tmp)}`);
  let t = performance.now();
  const files = await generateImages(path.join(tmp, 'images'), opts.files, opts.kb * 1024);
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  // Each fresh server first takes a few other files, untimed: one-time costs (lazy compilation
  // of route serializers, JIT warm-up) are not what files/s should measure.
  const warmFiles = opts.warmup > 0 ? await generateImages(path.join(tmp, 'warmup'), opts.warmup, opts.kb * 1024) : [];
  console.log(`files: ${files.length} JPEGs, ${(totalBytes / files.length / 1024).toFixed(1)} KiB mean, ${(totalBytes / 2 ** 20).toFixed(0)} MiB in all (made in ${Math.round(performance.now() - t)} ms)`);
  console.log(`client: undici, ${opts.concurrency} PUTs in flight over keep-alive; vireo database: ${opts.database}, processes: ${opts.processes}; nginx workers: ${opts.workers}${opts.nginxFanout ? ', nginx stores under ab/cd/ directories' : ''}`);
  for (const c of contenders) console.log(`  ${c.name}: ${c.describe}`);
  if (opts.cpuProf || opts.perf) fs.mkdirSync(profDir, { recursive: true });

  const results = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let rep = 0; rep < opts.reps; rep++) {
    const order = contenders.map((_, i) => contenders[(i + rep) % contenders.length]);
    for (const c of order) {
      const database = c.name === 'nginx' ? undefined : opts.database === 'postgres' ? await postgresDatabase() : undefined;
      const inst = await c.start({ tmp, workers: opts.workers, processes: opts.processes, database, cpuProf: opts.cpuProf ? profDir : undefined, sqlTiming: opts.sqlTiming, perf: opts.perf, nodeFlags: opts.serverNodeFlags });
      try {
        if (warmFiles.length && c.warmUp) await c.warmUp(inst, warmFiles, opts);
        const client0 = process.cpuUsage();
        const r = await c.run(inst, files, opts);
        const client = process.cpuUsage(client0);
        r.clientCpu = { user: client.user / 1e6, system: client.system / 1e6 };
        results[c.name].push(r);
        const fps = files.length / (r.ms / 1000);
        const extra = Object.entries({ ...r.details, ...(r.extra ?? {}) })
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        console.log(
          `rep ${rep + 1} ${c.name.padEnd(6)} ${fps.toFixed(0).padStart(6)} files/s  ${(r.ms / 1000).toFixed(2)} s  ` +
            (r.latencies.length ? `PUT p50 ${percentile(r.latencies, 50).toFixed(1)} ms p99 ${percentile(r.latencies, 99).toFixed(1)} ms  ` : '') +
            `CPU ms/file (user+sys): server ${perFile(r.serverCpu)}, client ${perFile(r.clientCpu)}` +
            (extra ? `  [${extra}]` : ''),
        );
      } finally {
        await c.stop(inst, opts);
        await database?.drop();
      }
    }
  }

  console.log(`\nmedians over ${opts.reps} repetition(s), ${files.length} files of ~${opts.kb} KB, load ${loadavg()}:`);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fpsOf = (name) => median(results[name].map((r) => files.length / (r.ms / 1000)));
  const base = contenders[0]?.name === 'nginx' ? fpsOf('nginx') : undefined;
  for (const c of contenders) {
    const fps = fpsOf(c.name);
    const target = c.optIn ? '' : fps / base >= 0.8 ? ' (target ≥ 0.8: met)' : ' (target ≥ 0.8: NOT met)';
    const ratio = base && c.name !== 'nginx' ? `  ratio ${c.name}/nginx ${(fps / base).toFixed(2)}${target}` : '';
    // With the floor in the run: how much of the gap to nginx is Vireo's own.
    const toFloor = results.floor && !c.optIn && c.name !== 'nginx' ? `, ${c.name}/floor ${(fps / fpsOf('floor')).toFixed(2)}` : '';
    console.log(`  ${c.name.padEnd(6)} ${fps.toFixed(0).padStart(6)} files/s${ratio}${toFloor}`);
    if (c.summarize) c.summarize(results[c.name], median);
  }
  if (opts.cpuProf) console.log(`\nCPU profiles of the server(s): ${profDir}`);
} finally {
  // Nothing is deleted before the end: on ext4 without a journal, creating a file skips over every
  // inode of its block group freed in the last 1–6 minutes, which would charge whichever contender
  // runs next for the previous one's cleanup.
  if (!opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`kept ${tmp}`);
}

function perFile(cpu) {
  const ms = (s) => ((s / opts.files) * 1000).toFixed(2);
  return `${ms(cpu.user)}+${ms(cpu.system)}`;
}

/** What creating a file and a directory costs on the benchmark's disk (both contenders create many). */
function createCost(dir) {
  const probe = fs.mkdtempSync(path.join(dir, 'probe-'));
  const n = 200;
  let t = performance.now();
  for (let i = 0; i < n; i++) fs.closeSync(fs.openSync(path.join(probe, `f${i}`), 'wx'));
  const file = ((performance.now() - t) / n) * 1000;
  t = performance.now();
  for (let i = 0; i < n; i++) fs.mkdirSync(path.join(probe, `d${i}`));
  const mkdir = ((performance.now() - t) / n) * 1000;
  return `create+close a file ${file.toFixed(0)} µs, mkdir ${mkdir.toFixed(0)} µs`;
}

function loadavg() {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}
