// Diagnostic contender (only with --only=…,floor): bench/upload/floor/server.mjs, a bare Node
// server doing only the byte work Vireo does per file. Its ratio to nginx is about the best any
// Node server can reach here; Vireo's ratio to it is what Vireo itself costs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { putAll } from '../client.mjs';
import { cpuSeconds, cpuSince, stopProcess, waitForLine } from '../procs.mjs';

const SERVER = path.join(path.dirname(new URL(import.meta.url).pathname), '../floor/server.mjs');

export const floor = {
  name: 'floor',
  describe: 'bare node:http: stage + SHA-256 + CRC32C + rename into a 16×16 fan-out (no framework, no database)',
  optIn: true,

  async start({ tmp }) {
    const dir = fs.mkdtempSync(path.join(tmp, 'floor-'));
    const log = path.join(dir, 'server.log');
    const fd = fs.openSync(log, 'w');
    const child = spawn(process.execPath, [SERVER, path.join(dir, 'data')], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const [, port] = await waitForLine(log, /listening on (\d+)/, child);
    return { dir, child, url: `http://127.0.0.1:${port}` };
  },

  async warmUp(inst, files, { concurrency }) {
    await putAll(files.map((f) => ({ url: `${inst.url}/warmup/${f.name}`, file: f.path, headers: {}, ok: (s) => s === 200 })), concurrency);
  },

  async run(inst, files, { concurrency }) {
    const targets = files.map((f) => ({ url: `${inst.url}/bench/${f.name}`, file: f.path, headers: { 'content-type': f.mime }, ok: (s) => s === 200 }));
    const cpu0 = cpuSeconds(inst.child.pid);
    const t0 = performance.now();
    const latencies = await putAll(targets, concurrency);
    const ms = performance.now() - t0;
    return { ms, latencies, serverCpu: cpuSince(inst.child.pid, cpu0), details: {} };
  },

  async stop(inst) {
    await stopProcess(inst.child, 'SIGTERM'); // its data stays until the run ends (see run.mjs)
  },
};
