// Vireo through the Vi protocol over raw HTTP: create a dataset, announce the files in ingestion
// sessions (≤ sessionFiles each), PUT every file to its signed URL, poll until every session is
// Finished. The server is the built CLI (`vireo serve`) in its own process, fresh data directory.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { Pool } from 'undici';
import { json, putAll } from '../client.mjs';
import { cpuSeconds, cpuSince, stopProcess, waitForLine } from '../procs.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const CLI = path.join(repo, 'packages/cli/dist/main.js');

/** Starts `vireo serve` on a free port with a fresh data directory; resolves once it listens. */
export async function startVireo({ tmp, database, processes = '1', cpuProf, sqlTiming, perf, nodeFlags: extraFlags = [], env = {} }) {
  const dir = fs.mkdtempSync(path.join(tmp, 'vireo-'));
  const dataDir = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const fd = fs.openSync(log, 'w');
  const nodeFlags = [...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []), ...(sqlTiming ? ['--import', path.join(repo, 'bench/upload/sql-timing.mjs')] : []), ...(perf ? ['--perf-basic-prof'] : []), ...extraFlags];
  const dbEnv = database?.env ?? {};
  const child = spawn(process.execPath, [...nodeFlags, CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--processes', processes], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, VIREO_LOG_LEVEL: 'info', ...dbEnv, ...env },
  });
  fs.closeSync(fd);
  const [, url] = await waitForLine(log, /is running at (http:\/\/\S+)/, child);
  const creds = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8'));
  return {
    dir,
    dataDir,
    log,
    child,
    url,
    org: creds.organizationId,
    auth: { authorization: `Bearer ${creds.secretKey}`, 'organization-id': creds.organizationId },
  };
}

export async function stopVireo(inst, { sqlTiming } = {}) {
  await stopProcess(inst.child, 'SIGTERM');
  if (sqlTiming) {
    const log = fs.readFileSync(inst.log, 'utf8');
    const at = log.indexOf('-- SQLite statements');
    if (at >= 0) console.log(log.slice(at));
  }
}

/** Figures the server exposes at /metrics that help explain a result. */
export async function serverFigures(inst) {
  const text = await (await fetch(`${inst.url}/metrics`)).text();
  const metric = (name, labels = '') => {
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(name) && line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  };
  const route = 'route="/uploads/:session/:idx/:filename"';
  const puts = metric('vireo_http_request_duration_seconds_count', route);
  const putSeconds = metric('vireo_http_request_duration_seconds_sum', route);
  const batches = metric('vireo_commit_batches_total');
  const ops = metric('vireo_commit_operations_total');
  return {
    'server PUT ms (mean)': puts ? ((putSeconds / puts) * 1000).toFixed(2) : '-',
    ...(batches ? { 'commit batches': batches, 'ops/batch': (ops / batches).toFixed(1) } : {}),
  };
}

/** The Vi flow over raw HTTP. */
export async function viUpload(inst, files, { concurrency, sessionFiles }) {
  const api = new Pool(inst.url, { connections: 2 });
  const steps = {};
  const serverCpu = {};
  let t = performance.now();
  let cpu = cpuSeconds(inst.child.pid);
  const lap = (name) => {
    const now = performance.now();
    steps[name] = now - t;
    t = now;
    const c = cpuSeconds(inst.child.pid);
    serverCpu[name] = c.user + c.system - cpu.user - cpu.system;
    cpu = c;
  };
  try {
    // What the client must know before it announces files: size and CRC32C (signed, as the SDK sends it).
    const specs = [];
    for (let i = 0; i < files.length; i += 64) {
      const chunk = files.slice(i, i + 64);
      specs.push(
        ...(await Promise.all(
          chunk.map(async (f) => ({ filename: f.name, mime: f.mime, size: f.size, crc32c: crc32c(await fs.promises.readFile(f.path)) | 0, customMetadata: { bench: 'upload' }, kind: 'Image' })),
        )),
      );
    }
    lap('crc32c');
    const { datasetId } = await json(api, 'POST', `/workspaces/${inst.org}/datasets`, inst.auth, { name: `bench-${Date.now()}` });
    const base = `/workspaces/${inst.org}/datasets/${datasetId}/assetSources/managed/datature/transient/assetIngestionSessions`;
    const byName = new Map(files.map((f) => [f.name, f]));
    const sessions = [];
    const targets = [];
    for (let i = 0; i < specs.length; i += sessionFiles) {
      const session = await json(api, 'POST', base, inst.auth, {
        spec: { assets: specs.slice(i, i + sessionFiles), kind: 'Upload', failureMode: 'FailAfterAll', onAssetOverwritten: 'RemoveLinkedResource' },
      });
      sessions.push(session.assetIngestionSessionId);
      for (const a of session.status.assets) {
        targets.push({ url: a.upload.url, file: byName.get(a.metadata.filename).path, headers: a.upload.headers ?? {}, ok: (s) => s >= 200 && s < 300 });
      }
    }
    lap('create sessions');
    const latencies = await putAll(targets, concurrency);
    lap('PUTs');
    let succeeded = 0;
    for (const id of sessions) {
      for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
        const s = await json(api, 'GET', `${base}/${id}`, inst.auth);
        if (s.status.conditions.some((c) => c.condition === 'Finished' && c.status === 'Reached')) {
          const p = s.status.progressCount;
          if (p.errored > 0) throw new Error(`session ${id} finished with ${p.errored} errors: ${JSON.stringify(s.status.events.slice(0, 3))}`);
          succeeded += p.succeeded;
          break;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    lap('until Finished');
    if (succeeded !== files.length) throw new Error(`${succeeded} of ${files.length} files succeeded`);
    return { latencies, steps, serverCpu, sent: targets.length, datasetId };
  } finally {
    await api.close();
  }
}

export const vireo = {
  name: 'vireo',
  describe: 'Vireo, Vi protocol over raw HTTP (undici): session, signed PUTs, wait for Finished',

  start: (opts) => startVireo(opts),

  warmUp: (inst, files, opts) => viUpload(inst, files, opts),

  async run(inst, files, opts) {
    const cpu0 = cpuSeconds(inst.child.pid);
    // --perf: CPU-time samples of the server (perf record -e cpu-clock), unlike --cpu-prof's wall-clock ones.
    const perf = opts.perf ? spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(inst.child.pid), '-o', path.resolve('bench-profiles/perf.data')], { stdio: 'ignore' }) : undefined;
    const t0 = performance.now();
    const r = await viUpload(inst, files, opts);
    const ms = performance.now() - t0;
    if (perf) await new Promise((done) => { perf.once('exit', done); perf.kill('SIGINT'); });
    const serverCpu = cpuSince(inst.child.pid, cpu0);
    const steps = Object.fromEntries(Object.entries(r.steps).map(([k, v]) => [`${k} ms`, `${Math.round(v)} (server CPU ${Math.round(r.serverCpu[k] * 1000)})`]));
    return { ms, latencies: r.latencies, serverCpu, details: { ...steps, ...(await serverFigures(inst)) } };
  },

  stop: (inst, opts) => stopVireo(inst, opts),
};
